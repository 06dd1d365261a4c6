package org.medlabel.datastore.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.medlabel.api.event.LabelScope;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;

/**
 * Read-only views of the store, each a constant number of indexed queries however large the store: MONAI Label's
 * stats, its {@code output=all} view one page at a time, and the training datalist.
 */
@ApplicationScoped
public class QueryService {

    private final EntityManager em;

    public QueryService(EntityManager em) {
        this.em = em;
    }

    /**
     * {@code {"total", "completed", "label_tags": {tag: images with it}}}, read from the counters the database's
     * triggers keep in each writing transaction: constant time at any store size.
     */
    public Map<String, Object> stats() {
        Map<String, Long> counters = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("select name, value from datastore.counters")
                .getResultList();
        rows.forEach(r -> counters.put((String) r[0], ((Number) r[1]).longValue()));
        Map<String, Object> tags = new LinkedHashMap<>();
        @SuppressWarnings("unchecked")
        List<Object[]> tagRows = em.createNativeQuery("select tag, images from datastore.tag_counts order by tag")
                .getResultList();
        tagRows.forEach(r -> tags.put((String) r[0], ((Number) r[1]).longValue()));
        Map<String, Object> stats = new LinkedHashMap<>();
        stats.put("total", counters.getOrDefault("images", 0L));
        stats.put("completed", counters.getOrDefault("completed", 0L));
        stats.put("label_tags", tags);
        return stats;
    }

    /** Images in id order, from {@code offset}, at most {@code limit}. */
    public List<ImageEntity> images(int offset, int limit) {
        return ImageEntity.<ImageEntity>find("order by id")
                .range(offset, offset + limit - 1)
                .list();
    }

    /** Images in id order after {@code after} (keyset paging: one index probe however deep the page). */
    public List<ImageEntity> imagesAfter(String after, int limit) {
        return ImageEntity.<ImageEntity>find("id > ?1 order by id", after)
                .page(0, limit)
                .list();
    }

    /** The latest label of each tag for the given images: image id -> tag -> label. */
    public Map<String, Map<String, LabelEntity>> latestLabels(List<String> imageIds) {
        Map<String, Map<String, LabelEntity>> byImage = new LinkedHashMap<>();
        if (imageIds.isEmpty()) {
            return byImage;
        }
        List<LabelEntity> labels = em.createQuery(
                        "select l from LabelEntity l where l.imageId in ?1 and l.version = (select max(m.version) from"
                                + " LabelEntity m where m.imageId = l.imageId and m.tag = l.tag) order by l.imageId,"
                                + " l.tag",
                        LabelEntity.class)
                .setParameter(1, imageIds)
                .getResultList();
        labels.forEach(l ->
                byImage.computeIfAbsent(l.imageId, k -> new LinkedHashMap<>()).put(l.tag, l));
        return byImage;
    }

    /**
     * One training case: an image with a final label, that label's version (read through the API by both) and what
     * the label says it annotates.
     */
    public record Case(String id, int labelVersion, LabelScope scope) {}

    /** Every image with a {@code final} label, with its latest version and that version's scope. */
    public List<Case> datalist() {
        return em
                .createQuery(
                        "select i.id, i.finalVersion, l.info from ImageEntity i, LabelEntity l where i.finalVersion is"
                                + " not null and l.imageId = i.id and l.tag = :tag and l.version = i.finalVersion"
                                + " order by i.id",
                        Object[].class)
                .setParameter("tag", Names.FINAL_TAG)
                .getResultList()
                .stream()
                .map(r -> new Case((String) r[0], ((Number) r[1]).intValue(), scope(r[2])))
                .toList();
    }

    private static LabelScope scope(Object info) {
        return info instanceof Map<?, ?> m ? LabelScope.of(m) : LabelScope.UNDECLARED;
    }
}
