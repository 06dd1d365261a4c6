package org.medlabel.datastore.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.storage.Checksums;
import org.medlabel.datastore.storage.ObjectStorage;
import org.medlabel.platform.objectstore.BucketLayout;

/**
 * Imports a MONAI Label studies layout — {@code <id><ext>} images and {@code labels/<tag>/<id><ext>} labels — from a
 * folder on the server (only under a configured import root; none by default) or from a prefix of the service's
 * bucket (where deployments drop files; the datastore's own prefixes are refused). So an existing MONAI Label
 * datastore moves over as it is. Images and labels already present with the same bytes are skipped, so an import can
 * be repeated; each file that fails is reported and the rest goes on.
 */
@ApplicationScoped
public class StudiesImport {

    /** What an import did. */
    public record Report(
            int imagesAdded, int imagesUnchanged, int labelsAdded, int labelsUnchanged, List<String> errors) {}

    /** Where the files come from: names relative to the studies root, fetched as local files. */
    private interface Source {
        /** Relative names of the files: images at the top, labels as {@code labels/<tag>/<file>}. */
        List<String> files();

        Path fetch(String name) throws IOException;

        void release(Path fetched) throws IOException;
    }

    private final ImageService images;
    private final LabelService labels;
    private final ObjectStorage storage;
    private final List<Path> roots;
    private final Path scratch;

    public StudiesImport(ImageService images, LabelService labels, ObjectStorage storage, DatastoreConfig config) {
        this.images = images;
        this.labels = labels;
        this.storage = storage;
        this.roots = config.importRoots().orElse(List.of()).stream()
                .map(p -> Path.of(p).toAbsolutePath().normalize())
                .toList();
        this.scratch = config.uploadsDirectory();
    }

    /** Imports a folder under an import root; {@code author} is recorded as the images' user and labels' author. */
    public Report fromFolder(String folder, String author) {
        Path dir = allowed(folder);
        return run(author, new Source() {
            @Override
            public List<String> files() {
                List<String> names = new ArrayList<>();
                try (Stream<Path> all = Files.walk(dir, 3)) {
                    all.filter(Files::isRegularFile)
                            .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                            .forEach(names::add);
                } catch (IOException e) {
                    throw new DatastoreException(
                            ErrorCode.INVALID_REQUEST, "cannot list '" + folder + "': " + e.getMessage());
                }
                return names;
            }

            @Override
            public Path fetch(String name) throws IOException {
                // a file may be a symbolic link: only one that stays inside the folder is read
                Path real = dir.resolve(name).toRealPath();
                if (!real.startsWith(dir)) {
                    throw new DatastoreException(
                            ErrorCode.FORBIDDEN, "refused: a symbolic link to a file outside the import folder");
                }
                return real;
            }

            @Override
            public void release(Path fetched) {}
        });
    }

    public Report fromPrefix(String rawPrefix, String author) {
        if (rawPrefix == null || rawPrefix.isBlank() || rawPrefix.contains("..") || rawPrefix.startsWith("/")) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "'prefix' (e.g. incoming/studies/) is required");
        }
        String prefix = rawPrefix.endsWith("/") ? rawPrefix : rawPrefix + "/";
        if (BucketLayout.OWN_PREFIXES.stream().anyMatch(prefix::startsWith)) {
            throw new DatastoreException(
                    ErrorCode.FORBIDDEN,
                    "'" + prefix + "' is the datastore's own storage " + BucketLayout.OWN_PREFIXES);
        }
        return run(author, new Source() {
            @Override
            public List<String> files() {
                return storage.list(prefix).stream()
                        .map(k -> k.substring(prefix.length()))
                        .toList();
            }

            @Override
            public Path fetch(String name) throws IOException {
                Files.createDirectories(scratch);
                Path file = Files.createTempFile(scratch, "import-", ".part");
                try (InputStream in = storage.get(prefix + name)) {
                    Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                }
                return file;
            }

            @Override
            public void release(Path fetched) throws IOException {
                Files.deleteIfExists(fetched);
            }
        });
    }

    private Report run(String author, Source source) {
        List<String> imageNames = new ArrayList<>();
        Map<String, List<String>> labelNames = new LinkedHashMap<>();
        for (String name : source.files().stream().sorted().toList()) {
            String[] parts = name.split("/");
            if (!isVolume(name)) {
                continue;
            }
            if (parts.length == 1) {
                imageNames.add(name);
            } else if (parts.length == 3 && parts[0].equals("labels")) {
                labelNames.computeIfAbsent(parts[1], t -> new ArrayList<>()).add(name);
            }
        }
        int added = 0, unchanged = 0, labelsAdded = 0, labelsUnchanged = 0;
        List<String> errors = new ArrayList<>();
        for (String name : imageNames) {
            try {
                if (importFile(source, name, null, author)) {
                    added++;
                } else {
                    unchanged++;
                }
            } catch (DatastoreException | IOException e) {
                errors.add(name + ": " + e.getMessage());
            }
        }
        for (Map.Entry<String, List<String>> tag : labelNames.entrySet()) {
            for (String name : tag.getValue()) {
                try {
                    if (importFile(source, name, tag.getKey(), author)) {
                        labelsAdded++;
                    } else {
                        labelsUnchanged++;
                    }
                } catch (DatastoreException | IOException e) {
                    errors.add(name + ": " + e.getMessage());
                }
            }
        }
        return new Report(added, unchanged, labelsAdded, labelsUnchanged, errors);
    }

    /** Imports one image ({@code tag} null) or label; false when the same bytes are already there. */
    private boolean importFile(Source source, String name, String tag, String author) throws IOException {
        String fileName = name.substring(name.lastIndexOf('/') + 1);
        String id = Names.imageId(null, fileName);
        Path file = source.fetch(name);
        try {
            String sha256 = Checksums.sha256(file);
            Upload upload = new Upload(file, fileName, Map.of(), author);
            if (tag == null) {
                ImageEntity existing = ImageEntity.findById(id);
                if (existing != null && existing.sha256.equals(sha256)) {
                    return false;
                }
                images.add(null, upload);
            } else {
                if (labels.latest(id, Names.tag(tag))
                        .filter(l -> l.sha256.equals(sha256))
                        .isPresent()) {
                    return false;
                }
                labels.save(id, tag, upload);
            }
            return true;
        } finally {
            source.release(file);
        }
    }

    private static boolean isVolume(String name) {
        String n = name.toLowerCase();
        return n.endsWith(".nii") || n.endsWith(".nii.gz") || n.endsWith(".nrrd");
    }

    /**
     * The folder's real path when it lies under an import root. The root is checked first, on the path as given, so
     * that the answer for a folder outside the roots (403) says nothing about whether it exists; then its real path,
     * so that a symbolic link inside a root does not lead outside it.
     */
    private Path allowed(String folder) {
        if (folder == null || folder.isBlank()) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "'path' (a folder on the server) is required");
        }
        Path dir = Path.of(folder).toAbsolutePath().normalize();
        if (roots.stream().noneMatch(dir::startsWith)) {
            throw outsideRoots(folder);
        }
        if (!Files.isDirectory(dir)) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "'" + folder + "' is not a folder");
        }
        try {
            Path real = dir.toRealPath();
            for (Path root : roots) {
                if (Files.isDirectory(root) && real.startsWith(root.toRealPath())) {
                    return real;
                }
            }
        } catch (IOException e) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "cannot read '" + folder + "': " + e.getMessage());
        }
        throw outsideRoots(folder);
    }

    private DatastoreException outsideRoots(String folder) {
        return new DatastoreException(
                ErrorCode.FORBIDDEN,
                "'" + folder + "' is not under an import root (medlabel.datastore.import-roots: " + roots + ")");
    }
}
