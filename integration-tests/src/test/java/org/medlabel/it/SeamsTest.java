package org.medlabel.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The seams between services stay single doors (ADR 0012), checked on the main sources: no back-end service opens its
 * own HTTP client (calls go through platform's {@code ServiceHttp}), and no bucket key prefix is spelled outside
 * {@code BucketLayout}.
 */
class SeamsTest {

    private static final Path REPO =
            Path.of(System.getProperty("medlabel.repo", "..")).toAbsolutePath().normalize();
    private static final List<String> BACK_END =
            List.of("platform", "datastore-service", "inference-service", "training-service");
    private static final Pattern PREFIX = Pattern.compile("\"(images|labels|sessions|models|training/jobs)/");

    @Test
    void onlyTheSharedStackOpensHttpConnectionsBetweenServices() throws IOException {
        List<String> offenders =
                matching(Pattern.compile("import java\\.net\\.http\\.(HttpClient|HttpRequest);"), "ServiceHttp.java");
        assertEquals(List.of(), offenders, "use platform.http.ServiceHttp (or DatastoreClient) instead");
    }

    @Test
    void noBucketPrefixIsSpelledOutsideTheLayoutOwner() throws IOException {
        List<String> offenders = matching(PREFIX, "BucketLayout.java");
        assertEquals(List.of(), offenders, "name keys through platform.objectstore.BucketLayout");
        assertTrue(
                Files.readString(REPO.resolve(
                                "platform/src/main/java/org/medlabel/platform/objectstore/BucketLayout.java"))
                        .contains("\"models/\""),
                "the owner itself spells them (the check looks where it should)");
    }

    /** Main source lines of the back-end modules matching {@code pattern}, outside the file named {@code owner}. */
    private static List<String> matching(Pattern pattern, String owner) throws IOException {
        List<String> found = new ArrayList<>();
        for (String module : BACK_END) {
            Path main = REPO.resolve(module).resolve("src/main/java");
            try (Stream<Path> files = Files.walk(main)) {
                for (Path file :
                        files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    if (file.getFileName().toString().equals(owner)) {
                        continue;
                    }
                    List<String> lines = Files.readAllLines(file);
                    for (int i = 0; i < lines.size(); i++) {
                        if (pattern.matcher(lines.get(i)).find()) {
                            found.add(REPO.relativize(file) + ":" + (i + 1) + ": "
                                    + lines.get(i).strip());
                        }
                    }
                }
            }
        }
        return found;
    }
}
