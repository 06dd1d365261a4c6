package org.medlabel.cli.support;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import org.medlabel.client.ApiClient;
import org.medlabel.client.ApiException;
import org.medlabel.client.api.DatastoreApi;

/** Uploads images (and a studies folder's labels) through the server's MONAI Label API, with a progress bar. */
public final class Importer {

    private final DatastoreApi datastore;
    private final PrintWriter out;
    private final PrintWriter err;

    public Importer(ApiClient client, PrintWriter out, PrintWriter err) {
        this.datastore = new DatastoreApi(client);
        this.out = out;
        this.err = err;
    }

    /** Every study of the folder: its image, then each of its labels. Returns the number of files sent. */
    public int studies(List<Studies.Study> studies) throws ApiException {
        int files = studies.stream().mapToInt(s -> 1 + s.labels().size()).sum();
        ProgressBar bar = new ProgressBar(err, "upload", files);
        int[] done = {0};
        try (Interruption interruption = new Interruption(err, () -> interrupted(done[0], files))) {
            for (Studies.Study study : studies) {
                datastore.uploadImage(study.image().toFile(), study.id(), "{\"client_id\": \"medlabel-cli\"}");
                bar.update(++done[0], study.id());
                for (Studies.Label label : study.labels()) {
                    datastore.saveLabel(
                            study.id(), label.file().toFile(), label.tag(), "{\"client_id\": \"medlabel-cli\"}");
                    bar.update(++done[0], study.id() + " (" + label.tag() + ")");
                }
            }
        }
        bar.done("");
        out.printf("%d images and %d labels uploaded%n", studies.size(), files - studies.size());
        return files;
    }

    /** Single images, each under {@code id} or its file name's id. */
    public void images(List<Path> files, String id) throws ApiException {
        ProgressBar bar = new ProgressBar(err, "upload", files.size());
        int[] done = {0};
        try (Interruption interruption = new Interruption(err, () -> interrupted(done[0], files.size()))) {
            for (Path file : files) {
                String stored = datastore
                        .uploadImage(
                                file.toFile(), id != null ? id : Studies.id(file), "{\"client_id\": \"medlabel-cli\"}")
                        .getImage();
                bar.update(++done[0], stored);
                out.println(stored);
            }
        }
        bar.done("");
    }

    private static String interrupted(int done, int total) {
        return done + " of " + total + " files uploaded; the one in flight was not stored (the server keeps no part"
                + " of an upload). Run the same command again: a file uploaded twice replaces itself.";
    }
}
