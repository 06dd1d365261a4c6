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
 *       "now", as MONAI Label does), so images just handed out are almost never handed out again;
 *   <li>{@code first} / {@code last}: the smallest / largest id, skipping images served in the last
 *       {@value #HOLD_SECONDS} s while others are left, so two annotators asking at once get different images.
 * </ul>
 *
 * Each call records {@code strategy.<name> = {ts, client_id}} in the image's info and its serving time, under a
 * transaction-scoped advisory lock: concurrent calls are serialised and each sees the previous one's choice. The cost
 * does not grow with the number of labelled images and stays a few indexed queries for unlabeled ones.
 */
@ApplicationScoped
public class StrategyService {

    static final long HOLD_SECONDS = 600;
    private static final long LOCK = 0x6d65646c6162656cL; // "medlabel"

    private final EntityManager em;

    public StrategyService(EntityManager em) {
        this.em = em;
    }

    /** The next image for {@code clientId}: its info plus {@code id} (and {@code weight} for random), or empty. */
    public Map<String, Object> next(String strategy, String clientId) {
        if (!List.of("random", "first", "last").contains(strategy)) {
            throw new DatastoreException(
                    ErrorCode.UNKNOWN_STRATEGY, "unknown strategy '" + strategy + "' (available: random, first, last)");
        }
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("select pg_advisory_xact_lock(?1)")
                    .setParameter(1, LOCK)
                    .getSingleResult();
            Instant now = Instant.now();
            Optional<Pick> pick = strategy.equals("random") ? random(now) : ordered(strategy.equals("first"), now);
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
            return result;
        });
    }

    private record Pick(String id, Long weight) {}

    private Optional<Pick> ordered(boolean first, Instant now) {
        String order = first ? "asc" : "desc";
        Optional<Pick> fresh = firstId(
                "select id from datastore.images where final_version is null and (served_at is"
                        + " null or served_at < ?1) order by id " + order + " limit 1",
                now.minusSeconds(HOLD_SECONDS));
        return fresh.isPresent()
                ? fresh
                : firstId(
                        "select id from datastore.images where final_version is null and served_at >= ?1 order by id "
                                + order + " limit 1",
                        now.minusSeconds(HOLD_SECONDS));
    }

    /**
     * Weight w = now - served (seconds; never served: now). The never-served images share one weight, so their group
     * is chosen with probability n·now / W and one of them uniformly; otherwise a served one is drawn by
     * Efraimidis-Spirakis keys (-ln U / w, smallest wins) in one scan of the served unlabeled images.
     */
    private Optional<Pick> random(Instant now) {
        long nowSeconds = now.getEpochSecond();
        Object[] totals = (Object[]) em.createNativeQuery(
                        "select count(*) filter (where served_at is null), coalesce(sum(?1 - extract(epoch from"
                                + " served_at)) filter (where served_at is not null), 0) from datastore.images where"
                                + " final_version is null")
                .setParameter(1, nowSeconds)
                .getSingleResult();
        long neverServed = ((Number) totals[0]).longValue();
        double servedWeight = Math.max(0, ((Number) totals[1]).doubleValue());
        double total = (double) neverServed * nowSeconds + servedWeight;
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (neverServed > 0 && random.nextDouble() * total < (double) neverServed * nowSeconds) {
            return firstId(
                            "select id from datastore.images where final_version is null and served_at is null order by"
                                    + " id offset " + random.nextLong(neverServed) + " limit 1",
                            null)
                    .map(p -> new Pick(p.id(), nowSeconds));
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
