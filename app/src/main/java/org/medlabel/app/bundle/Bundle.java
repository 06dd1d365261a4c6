package org.medlabel.app.bundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

/**
 * A MONAI bundle on disk: the folder that holds {@code configs/metadata.json}, its inference config
 * ({@code configs/inference.json}, {@code .yaml} or {@code .yml}), its training config if any ({@code configs/train.*})
 * and its weights ({@code models/model.pt}, else
 * {@code models/model.ts}) if it ships them. {@link #open} takes the folder or a {@code .zip} of it (the model zoo's
 * downloads hold one top folder), which is unpacked into a scratch folder with every entry checked to stay inside it.
 */
public record Bundle(
        Path root,
        String name,
        BundleConfig inference,
        BundleConfig metadata,
        Optional<BundleConfig> train,
        Optional<Path> weights) {

    /** The most a zip may unpack to: the zoo's largest bundles (weights included) are a few hundred MB. */
    static final long MAX_UNPACKED_BYTES = 4L << 30;

    static final int MAX_ENTRIES = 10_000;

    private static final List<String> INFERENCE = List.of("inference.json", "inference.yaml", "inference.yml");
    private static final List<String> TRAIN = List.of("train.json", "train.yaml", "train.yml");

    /**
     * The bundle in {@code path}: a folder, or a zip unpacked under {@code scratch}.
     *
     * @throws BundleException when it is not a bundle (no metadata or inference config), a zip entry leaves the
     *     folder, or it is too large
     */
    public static Bundle open(Path path, Path scratch) {
        Path folder = Files.isDirectory(path) ? path : unzip(path, scratch);
        Path root = locate(folder);
        String inference = INFERENCE.stream()
                .filter(f -> Files.isRegularFile(root.resolve("configs").resolve(f)))
                .findFirst()
                .orElseThrow(() -> new BundleException(
                        "the bundle has no configs/inference.json (or .yaml): MedLabel imports a bundle's inference"));
        Optional<Path> weights = Stream.of("models/model.pt", "models/model.ts")
                .map(root::resolve)
                .filter(Files::isRegularFile)
                .findFirst();
        Optional<BundleConfig> train = TRAIN.stream()
                .filter(f -> Files.isRegularFile(root.resolve("configs").resolve(f)))
                .findFirst()
                .map(f -> BundleConfig.read(root, "configs/" + f));
        return new Bundle(
                root,
                root.getFileName().toString(),
                BundleConfig.read(root, "configs/" + inference),
                BundleConfig.read(root, "configs/metadata.json"),
                train,
                weights);
    }

    /**
     * Whether {@code file} is a zip holding a bundle ({@code configs/metadata.json} at its top or in a top folder), as
     * opposed to PyTorch's zips (checkpoints, TorchScript) or anything else.
     */
    public static boolean isBundleZip(Path file) {
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(file))) {
            int entries = 0;
            for (ZipEntry e = in.getNextEntry(); e != null && ++entries <= MAX_ENTRIES; e = in.getNextEntry()) {
                String name = e.getName();
                if (name.equals("configs/metadata.json")
                        || (name.endsWith("/configs/metadata.json")
                                && name.indexOf('/') == name.length() - "/configs/metadata.json".length())) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** The folder holding configs/metadata.json: the given one or its only subfolder that has it. */
    private static Path locate(Path folder) {
        if (Files.isRegularFile(folder.resolve("configs/metadata.json"))) {
            return folder;
        }
        try (Stream<Path> children = Files.list(folder)) {
            List<Path> bundles = children.filter(p -> Files.isRegularFile(p.resolve("configs/metadata.json")))
                    .toList();
            if (bundles.size() == 1) {
                return bundles.get(0);
            }
            throw new BundleException(
                    bundles.isEmpty()
                            ? "not a MONAI bundle: no configs/metadata.json in it or in a top folder"
                            : "more than one bundle in one upload: "
                                    + bundles.stream()
                                            .map(p -> p.getFileName().toString())
                                            .sorted()
                                            .toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path unzip(Path zip, Path scratch) {
        try {
            Path target = Files.createTempDirectory(scratch, "bundle");
            long total = 0;
            int entries = 0;
            boolean any = false;
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    any = true;
                    if (++entries > MAX_ENTRIES) {
                        throw new BundleException("the zip has more than " + MAX_ENTRIES + " entries");
                    }
                    Path file = target.resolve(e.getName()).normalize();
                    if (!file.startsWith(target)
                            || e.getName().startsWith("/")
                            || e.getName().contains("\\")) {
                        throw new BundleException("the zip entry " + e.getName() + " leaves the bundle's folder");
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(file);
                        continue;
                    }
                    Files.createDirectories(file.getParent());
                    total += copy(in, file, MAX_UNPACKED_BYTES - total);
                }
            } catch (BundleException e) {
                delete(target);
                throw e;
            }
            if (!any) {
                delete(target);
                throw new BundleException("not a zip file, or an empty one: send the bundle's folder as a .zip");
            }
            return target;
        } catch (IOException e) {
            throw new BundleException("cannot unpack the bundle: " + e.getMessage(), e);
        }
    }

    private static long copy(InputStream in, Path file, long budget) throws IOException {
        long n = 0;
        byte[] buffer = new byte[1 << 16];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int r = in.read(buffer); r > 0; r = in.read(buffer)) {
                n += r;
                if (n > budget) {
                    throw new BundleException("the bundle unpacks to more than " + (MAX_UNPACKED_BYTES >> 20) + " MB");
                }
                out.write(buffer, 0, r);
            }
        }
        return n;
    }

    /** Deletes a folder this class unpacked (quietly: scratch space). */
    public static void delete(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // scratch space: left for the OS to clean
        }
    }
}
