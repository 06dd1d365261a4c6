package org.medlabel.cli.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * MONAI Label's studies folder: images {@code <dir>/<id><ext>}, labels {@code <dir>/labels/<tag>/<id><ext>}, NIfTI or
 * NRRD.
 */
public final class Studies {

    /** An image of the folder and its labels by tag. */
    public record Study(String id, Path image, List<Label> labels) {}

    public record Label(String tag, Path file) {}

    private Studies() {}

    public static List<Study> read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new IOException(dir + " is not a folder");
        }
        List<Study> studies = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path image : files.filter(Files::isRegularFile)
                    .filter(Studies::isVolume)
                    .sorted()
                    .toList()) {
                String id = id(image);
                List<Label> labels = new ArrayList<>();
                Path labelsDir = dir.resolve("labels");
                if (Files.isDirectory(labelsDir)) {
                    try (Stream<Path> tags = Files.list(labelsDir)) {
                        for (Path tag : tags.filter(Files::isDirectory).sorted().toList()) {
                            try (Stream<Path> candidates = Files.list(tag)) {
                                candidates
                                        .filter(f -> isVolume(f) && id(f).equals(id))
                                        .findFirst()
                                        .ifPresent(f -> labels.add(
                                                new Label(tag.getFileName().toString(), f)));
                            }
                        }
                    }
                }
                studies.add(new Study(id, image, labels));
            }
        }
        return studies;
    }

    /** MONAI Label's id: the file name without all its suffixes. */
    public static String id(Path file) {
        String name = file.getFileName().toString();
        int dot = name.indexOf('.');
        return dot <= 0 ? name : name.substring(0, dot);
    }

    static boolean isVolume(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".nii.gz") || name.endsWith(".nii") || name.endsWith(".nrrd");
    }
}
