package org.medlabel.datastore.service;

import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.medlabel.datastore.config.DatastoreConfig;
import org.medlabel.datastore.error.DatastoreException;
import org.medlabel.datastore.error.ErrorCode;
import org.medlabel.datastore.repository.ImageEntity;
import org.medlabel.datastore.repository.LabelEntity;
import org.medlabel.datastore.storage.Checksums;

/**
 * Imports a MONAI Label studies folder from the server's disk: {@code <dir>/<id><ext>} images and
 * {@code <dir>/labels/<tag>/<id><ext>} labels, so an existing MONAI Label datastore moves over as it is. Only folders
 * under a configured import root are readable (none by default). Images already present with the same bytes are
 * skipped, so an import can be repeated; each file that fails is reported and the rest goes on.
 */
@ApplicationScoped
public class FolderImport {

    /** What an import did. */
    public record Report(
            int imagesAdded, int imagesUnchanged, int labelsAdded, int labelsUnchanged, List<String> errors) {}

    private final ImageService images;
    private final LabelService labels;
    private final List<Path> roots;
    private final String clientId;

    public FolderImport(ImageService images, LabelService labels, DatastoreConfig config) {
        this.images = images;
        this.labels = labels;
        this.roots = config.importRoots().orElse(List.of()).stream()
                .map(p -> Path.of(p).toAbsolutePath().normalize())
                .toList();
        this.clientId = config.defaultClientId();
    }

    public Report importFolder(String folder) {
        Path dir = allowed(folder);
        int added = 0, unchanged = 0, labelsAdded = 0, labelsUnchanged = 0;
        List<String> errors = new ArrayList<>();
        for (Path file : volumes(dir)) {
            try {
                Optional<ImageEntity> existing = existing(file);
                if (existing.isPresent()) {
                    unchanged++;
                } else {
                    images.add(null, new Upload(file, file.getFileName().toString(), Map.of(), clientId));
                    added++;
                }
            } catch (DatastoreException e) {
                errors.add(dir.relativize(file) + ": " + e.getMessage());
            }
        }
        Path labelsDir = dir.resolve("labels");
        if (Files.isDirectory(labelsDir)) {
            for (Path tagDir :
                    list(labelsDir).stream().filter(Files::isDirectory).toList()) {
                for (Path file : volumes(tagDir)) {
                    String name = file.getFileName().toString();
                    try {
                        String id = Names.imageId(null, name);
                        String tag = tagDir.getFileName().toString();
                        LabelEntity latest = LabelEntity.<LabelEntity>find(
                                        "imageId = ?1 and tag = ?2 order by version desc", id, Names.tag(tag))
                                .firstResult();
                        if (latest != null && latest.sha256.equals(sha256(file))) {
                            labelsUnchanged++;
                        } else {
                            labels.save(id, tag, new Upload(file, name, Map.of(), clientId));
                            labelsAdded++;
                        }
                    } catch (DatastoreException e) {
                        errors.add(dir.relativize(file) + ": " + e.getMessage());
                    }
                }
            }
        }
        return new Report(added, unchanged, labelsAdded, labelsUnchanged, errors);
    }

    private Optional<ImageEntity> existing(Path file) {
        String name = file.getFileName().toString();
        ImageEntity image = ImageEntity.findById(Names.imageId(null, name));
        if (image == null) {
            return Optional.empty();
        }
        return image.sha256.equals(sha256(file)) ? Optional.of(image) : Optional.empty();
    }

    private static String sha256(Path file) {
        try {
            return Checksums.sha256(file);
        } catch (IOException e) {
            throw new DatastoreException(
                    ErrorCode.INVALID_REQUEST, "cannot read " + file.getFileName() + ": " + e.getMessage());
        }
    }

    private Path allowed(String folder) {
        if (folder == null || folder.isBlank()) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "'path' (a folder on the server) is required");
        }
        Path dir = Path.of(folder).toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "'" + folder + "' is not a folder");
        }
        try {
            // real paths: a symbolic link inside a root must not lead outside it
            Path real = dir.toRealPath();
            for (Path root : roots) {
                if (Files.isDirectory(root) && real.startsWith(root.toRealPath())) {
                    return real;
                }
            }
        } catch (IOException e) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "cannot read '" + folder + "': " + e.getMessage());
        }
        throw new DatastoreException(
                ErrorCode.FORBIDDEN,
                "'" + folder + "' is not under an import root (medlabel.datastore.import-roots: " + roots + ")");
    }

    /** The NIfTI and NRRD files directly in {@code dir}, by name. */
    private static List<Path> volumes(Path dir) {
        return list(dir).stream()
                .filter(Files::isRegularFile)
                .filter(p -> {
                    String n = p.getFileName().toString().toLowerCase();
                    return n.endsWith(".nii") || n.endsWith(".nii.gz") || n.endsWith(".nrrd");
                })
                .sorted()
                .toList();
    }

    private static List<Path> list(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        } catch (IOException e) {
            throw new DatastoreException(ErrorCode.INVALID_REQUEST, "cannot list " + dir + ": " + e.getMessage());
        }
    }
}
