-- Constant-time stats and next-sample at any store size.
--
-- 1. Counters kept by triggers in the writing transaction: images, images with a final label, and per tag the
--    number of images having that tag (a tag counts an image once, whatever its number of versions).
CREATE TABLE datastore.counters (
    name  text PRIMARY KEY,
    value bigint NOT NULL
);
INSERT INTO datastore.counters VALUES
    ('images', (SELECT count(*) FROM datastore.images)),
    ('completed', (SELECT count(*) FROM datastore.images WHERE final_version IS NOT NULL));

CREATE TABLE datastore.tag_counts (
    tag    text PRIMARY KEY,
    images bigint NOT NULL
);
INSERT INTO datastore.tag_counts
SELECT tag, count(DISTINCT image_id) FROM datastore.labels GROUP BY tag;

CREATE FUNCTION datastore.count_images() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE datastore.counters SET value = value + (SELECT count(*) FROM added) WHERE name = 'images';
        UPDATE datastore.counters SET value = value + (SELECT count(*) FROM added WHERE final_version IS NOT NULL)
            WHERE name = 'completed';
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE datastore.counters SET value = value - (SELECT count(*) FROM gone) WHERE name = 'images';
        UPDATE datastore.counters SET value = value - (SELECT count(*) FROM gone WHERE final_version IS NOT NULL)
            WHERE name = 'completed';
    ELSE
        UPDATE datastore.counters
        SET value = value + (SELECT count(*) FROM added WHERE final_version IS NOT NULL)
                          - (SELECT count(*) FROM gone WHERE final_version IS NOT NULL)
        WHERE name = 'completed';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER images_counted_insert AFTER INSERT ON datastore.images
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION datastore.count_images();
CREATE TRIGGER images_counted_delete AFTER DELETE ON datastore.images
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION datastore.count_images();
CREATE TRIGGER images_counted_update AFTER UPDATE ON datastore.images
    REFERENCING OLD TABLE AS gone NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION datastore.count_images();

CREATE FUNCTION datastore.count_tags() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        -- an (image, tag) is new when all its rows are the ones just added
        INSERT INTO datastore.tag_counts AS t (tag, images)
        SELECT a.tag, count(*) FROM (SELECT image_id, tag, count(*) AS n FROM added GROUP BY image_id, tag) a
        WHERE a.n = (SELECT count(*) FROM datastore.labels l WHERE l.image_id = a.image_id AND l.tag = a.tag)
        GROUP BY a.tag
        ON CONFLICT (tag) DO UPDATE SET images = t.images + EXCLUDED.images;
    ELSE
        -- an (image, tag) is gone when no row of it is left
        UPDATE datastore.tag_counts t SET images = t.images - g.n
        FROM (SELECT tag, count(*) AS n FROM (SELECT DISTINCT image_id, tag FROM gone) d
              WHERE NOT EXISTS (SELECT 1 FROM datastore.labels l WHERE l.image_id = d.image_id AND l.tag = d.tag)
              GROUP BY tag) g
        WHERE t.tag = g.tag;
        DELETE FROM datastore.tag_counts WHERE images <= 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER labels_counted_insert AFTER INSERT ON datastore.labels
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION datastore.count_tags();
CREATE TRIGGER labels_counted_delete AFTER DELETE ON datastore.labels
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION datastore.count_tags();

-- 2. A random key per image for drawing uniformly among never-served unlabeled images by one index probe
--    (the first key at or after a random point), instead of an OFFSET over all of them.
ALTER TABLE datastore.images ADD COLUMN sample_key double precision NOT NULL DEFAULT random();
CREATE INDEX images_never_served ON datastore.images (sample_key)
    WHERE final_version IS NULL AND served_at IS NULL;
