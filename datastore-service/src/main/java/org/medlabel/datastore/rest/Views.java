package org.medlabel.datastore.rest;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;

/** What the API returns: records mapped from the entities, so the schema in /q/openapi is the wire format. */
final class Views {

    private Views() {}

    record ImageView(
            String id,
            String name,
            String format,
            long sizeBytes,
            String sha256,
            int[] dims,
            int components,
            double[] spacing,
            double[] affine,
            Integer finalVersion,
            Instant createdAt,
            Instant updatedAt,
            Map<String, Object> info) {

        static ImageView of(ImageEntity i) {
            return new ImageView(
                    i.id,
                    i.fileName(),
                    i.format,
                    i.sizeBytes,
                    i.sha256,
                    i.dims,
                    i.components,
                    i.spacing,
                    i.affine,
                    i.finalVersion,
                    i.createdAt,
                    i.updatedAt,
                    i.info);
        }
    }

    record LabelView(
            String image,
            String tag,
            int version,
            String name,
            long sizeBytes,
            String sha256,
            String author,
            Instant createdAt,
            Map<String, Object> info) {

        static LabelView of(LabelEntity l) {
            return new LabelView(
                    l.imageId, l.tag, l.version, l.fileName(), l.sizeBytes, l.sha256, l.author, l.createdAt, l.info);
        }
    }

    /** A page of a list: the items, where it started, and the offset of the next page (null at the end). */
    record Page<T>(List<T> items, int offset, Integer nextOffset) {}
}
