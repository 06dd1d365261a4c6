package org.medlabel.datastore.service;

import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.ImageEntity;

/**
 * MONAI Label's active-learning strategies as queries over unlabeled images (no {@code final} label):
 *
 * <ul>
 *   <li>{@code random}: a draw weighted by the seconds since the image was last served (never served: weighted by
 *       "now", as MONAI Label does), so images just handed out are almost never handed out again (see
 *       {@link #random});
 *   <li>{@code first} / {@code last}: the smallest / largest id, skipping images served in the last
 *       {@value #HOLD_SECONDS} s while others are left, so two annotators asking at once get different images;
 *   <li>{@code epistemic}: the highest {@code epistemic_entropy} in the image info (the gateway's epistemic scoring
 *       writes it), with the same hold.
 * </ul>
 *
 * Each call records {@code strategy.<name> = {ts, client_id}} in the image's info and its serving time, under a
 * transaction-scoped advisory lock: concurrent calls are serialised and each sees the previous one's choice. Each
 * call is a few index probes plus one scan of the served-but-unlabeled images.
 */
@ApplicationScoped
public class StrategyService {

    static final long HOLD_SECONDS = 600;
    static final List<String> STRATEGIES = List.of("random", "first", "last", "epistemic");
    /** The image-info key the epistemic scoring writes (MONAI Label's). */
    static final String EPISTEMIC_KEY = "epistemic_entropy";

    private static final long LOCK = 0x6d65646c6162656cL; // "medlabel"

    private final EntityManager em;

    public StrategyService(EntityManager em) {
        this.em = em;
    }

    /** The next image for {@code clientId}: its info plus {@code id} (and {@code weight} for random), or empty. */
    public Map<String, Object> next(String strategy, String clientId) {
        if (!STRATEGIES.contains(strategy)) {
            throw new DatastoreException(
                    ErrorCode.UNKNOWN_STRATEGY,
                    "unknown strategy '" + strategy + "' (available: " + String.join(", ", STRATEGIES) + ")");
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("select pg_advisory_xact_lock(?1)")
                    .setParameter(1, LOCK)
                    .getSingleResult();
            Instant now = Instant.now();
            Optional<Pick> pick = switch (strategy) {
                case "random" -> random(now);
                // the model's least sure first (the epistemic scoring's key), unscored images last
                case "epistemic" -> firstUnheld("(info->>'" + EPISTEMIC_KEY + "')::float8 desc nulls last, id", now);
                default -> firstUnheld(strategy.equals("first") ? "id asc" : "id desc", now);
            };
            if (pick.isEmpty()) {
                return Map.of();
            }
            ImageEntity image = ImageEntity.findById(pick.get().id());
            Map<String, Object> info = new HashMap<>(image.info);
            @SuppressWarnings("unchecked")
            Map<String, Object> served = new HashMap<>((Map<String, Object>) info.getOrDefault("strategy", Map.of()));
            served.put(strategy, Map.of("ts", now.getEpochSecond(), "client_id", clientId));
            info.put("strategy", served);
            image.info = info;
            image.servedAt = now;
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("id", image.id);
            if (pick.get().weight() != null) {
                result.put("weight", pick.get().weight());
            }
            result.putAll(info);
            if (strategy.equals("epistemic") && info.get(EPISTEMIC_KEY) != null) {
                // MONAI Label's epistemic strategy answers the score with the model version it came from
                result.put(
                        EPISTEMIC_KEY,
                        Map.of("score", info.get(EPISTEMIC_KEY), "ts", info.getOrDefault("epistemic_ts", 0)));
            }
            return result;
        });
    }

    private record Pick(String id, Long weight) {}

    /**
     * The first unlabeled image in {@code order}, skipping images served in the last {@value #HOLD_SECONDS} s while
     * others are left.
     */
    private Optional<Pick> firstUnheld(String order, Instant now) {
        Optional<Pick> fresh = firstId(
                "select id from datastore.images where final_version is null and (served_at is null or served_at <"
                        + " ?1) order by " + order + " limit 1",
                now.minusSeconds(HOLD_SECONDS));
        return fresh.isPresent()
                ? fresh
                : firstId(
                        "select id from datastore.images where final_version is null and served_at >= ?1 order by "
                                + order + " limit 1",
                        now.minusSeconds(HOLD_SECONDS));
    }

    /**
     * MONAI Label's weights: w = now - served (seconds; never served: w = now). Served images are drawn by
     * Efraimidis-Spirakis keys (-ln U / w, smallest wins) in one scan of the served unlabeled images (few: serving
     * an image mostly leads to its label). Never-served images all weigh "now", so their group is drawn with
     * probability n·now / (n·now + S), S the served weights, and one of them nearly uniformly by a random-key probe
     * ({@code sample_key}). Counting n is skipped when S / now < 1e-6: the group choice is then off by less than 1e-6.
     */
    private Optional<Pick> random(Instant now) {
        long nowSeconds = now.getEpochSecond();
        double served = ((Number) em.createNativeQuery(
                                "select coalesce(sum(greatest(?1 - extract(epoch from served_at), 0)), 0) from"
                                        + " datastore.images where final_version is null and served_at is not null")
                        .setParameter(1, nowSeconds)
                        .getSingleResult())
                .doubleValue();
        ThreadLocalRandom random = ThreadLocalRandom.current();
        boolean neverServedGroup = true;
        if (served / nowSeconds >= 1e-6) {
            long neverServed = ((Number) em.createNativeQuery(
                                    "select count(*) from datastore.images where final_version is null and served_at is"
                                            + " null")
                            .getSingleResult())
                    .longValue();
            double total = (double) neverServed * nowSeconds + served;
            neverServedGroup = random.nextDouble() * total < (double) neverServed * nowSeconds;
        }
        if (neverServedGroup) {
            double point = random.nextDouble();
            Optional<Pick> pick = firstId(
                            "select id from datastore.images where final_version is null and served_at is null and"
                                    + " sample_key >= " + point + " order by sample_key limit 1",
                            null)
                    .or(() -> firstId(
                            "select id from datastore.images where final_version is null and served_at is null order"
                                    + " by sample_key limit 1",
                            null));
            if (pick.isPresent()) {
                return pick.map(p -> new Pick(p.id(), nowSeconds));
            }
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                        "select id, ?1 - extract(epoch from served_at) as w from datastore.images where final_version"
                                + " is null and served_at is not null order by -ln(1 - random()) / greatest(?1 -"
                                + " extract(epoch from served_at), 1e-3) limit 1")
                .setParameter(1, nowSeconds)
                .getResultList();
        return rows.stream()
                .findFirst()
                .map(r -> new Pick((String) r[0], Math.max(0, Math.round(((Number) r[1]).doubleValue()))));
    }

    private Optional<Pick> firstId(String sql, Instant parameter) {
        var query = em.createNativeQuery(sql);
        if (parameter != null) {
            query.setParameter(1, parameter);
        }
        @SuppressWarnings("unchecked")
        List<Object> ids = query.getResultList();
        return ids.stream().findFirst().map(id -> new Pick((String) id, null));
    }
}
