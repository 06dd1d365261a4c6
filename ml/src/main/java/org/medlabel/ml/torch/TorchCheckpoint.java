package org.medlabel.ml.torch;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the parameters of a PyTorch checkpoint ({@code torch.save}: a zip of {@code data.pkl} and one entry per
 * storage) or a TorchScript archive ({@code torch.jit.save}: the same zip with the module's code, whose
 * {@code data.pkl} pickles the module tree) without Python or libtorch. Layouts: a plain state dict,
 * {@code {"model": sd}}, {@code {"state_dict": sd}} (other entries, e.g. an optimiser's state, are ignored) and
 * DataParallel's {@code module.} prefix; a TorchScript module's tensors are named by their attribute path, which is
 * its state-dict name. Nothing in the file runs ({@link Unpickler}); entry names that climb out of the archive, sizes
 * beyond the limits and tensors reaching past their storage are refused.
 */
public final class TorchCheckpoint {

    /** The largest {@code data.pkl}: a state dict's pickle is kilobytes; a TorchScript one rarely a few megabytes. */
    static final long MAX_PICKLE_BYTES = 64L << 20;

    /** The largest storage: one Java array of bytes. */
    static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 8;

    private static final int MAX_ENTRIES = 100_000;

    private TorchCheckpoint() {}

    public static StateDict read(Path file) throws IOException {
        ZipFile zip;
        try {
            zip = new ZipFile(file.toFile());
        } catch (ZipException | EOFException e) {
            throw new CheckpointFormatException(
                    "not a PyTorch checkpoint: not a zip archive (a legacy pre-1.6 torch.save file is not supported; "
                            + "re-save it with a current PyTorch)");
        }
        try (zip) {
            return new Archive(zip).stateDict();
        } catch (CheckpointFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new CheckpointFormatException("the archive is damaged: " + e, e);
        }
    }

    private static final class Archive {
        private final ZipFile zip;
        private final String prefix;
        private final ByteOrder order;
        private final Map<String, TorchTensor.Storage> storages = new HashMap<>();

        Archive(ZipFile zip) throws IOException {
            this.zip = zip;
            this.prefix = prefix(zip);
            ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
            String order =
                    byteorder == null ? "little" : new String(read(byteorder, 16), StandardCharsets.US_ASCII).trim();
            this.order = order.equals("big") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        }

        StateDict stateDict() throws IOException {
            boolean script = zip.getEntry(prefix + "constants.pkl") != null;
            Object root = Unpickler.load(read(entry("data.pkl"), MAX_PICKLE_BYTES), this::storage);
            Map<String, TorchTensor> tensors = new LinkedHashMap<>();
            String source;
            if (script) {
                if (!(root instanceof Pickled.ScriptObject module)) {
                    throw new CheckpointFormatException("a TorchScript archive whose data.pkl is not a module");
                }
                collect(module, "", tensors);
                source = "TorchScript module " + module.type().replaceFirst("^__torch__\\.", "");
            } else {
                Located found = locate(root);
                found.tensors().forEach((k, v) -> tensors.put(String.valueOf(k), (TorchTensor) v));
                source = "checkpoint, " + found.where();
            }
            return new StateDict(Collections.unmodifiableMap(stripModulePrefix(tensors)), source, script);
        }

        private TorchTensor.Storage storage(Pickled.Tuple id) throws CheckpointFormatException {
            List<Object> f = id.items();
            if (f.size() != 5 || !"storage".equals(f.get(0)) || !(f.get(1) instanceof Pickled.Global type)) {
                throw new CheckpointFormatException("a persistent id in data.pkl is not a PyTorch storage: " + f);
            }
            DType dtype = DType.ofStorage(type.name());
            if (dtype == null) {
                throw new CheckpointFormatException("a storage of type " + type.qualified() + " is not supported");
            }
            String key = String.valueOf(f.get(2));
            long elements = (Long) f.get(4);
            if (!key.matches("[0-9A-Za-z_]{1,64}")) {
                throw new CheckpointFormatException("a storage key is not a plain name: " + key);
            }
            if (elements < 0 || elements > MAX_STORAGE_BYTES / dtype.bytes()) {
                throw new CheckpointFormatException("storage " + key + " declares " + elements + " elements of " + dtype
                        + ", over the limit of " + MAX_STORAGE_BYTES + " bytes");
            }
            TorchTensor.Storage s = storages.get(key);
            if (s == null) {
                try {
                    ZipEntry e = entry("data/" + key);
                    long bytes = elements * dtype.bytes();
                    if (e.getSize() >= 0 && e.getSize() < bytes) {
                        throw new CheckpointFormatException(
                                "storage " + key + " declares " + bytes + " bytes but its entry holds " + e.getSize());
                    }
                    ByteBuffer data =
                            ByteBuffer.wrap(read(e, bytes), 0, (int) bytes).order(order);
                    if (data.remaining() < bytes) {
                        throw new CheckpointFormatException(
                                "storage " + key + " is truncated: " + data.remaining() + " of " + bytes + " bytes");
                    }
                    s = new TorchTensor.Storage(dtype, elements, data.slice().order(order));
                } catch (CheckpointFormatException e) {
                    throw e;
                } catch (IOException e) {
                    throw new CheckpointFormatException("storage " + key + " cannot be read: " + e.getMessage(), e);
                }
                storages.put(key, s);
            }
            if (s.dtype() != dtype || s.elements() != elements) {
                throw new CheckpointFormatException("storage " + key + " is referenced with two different types");
            }
            return s;
        }

        private ZipEntry entry(String name) throws CheckpointFormatException {
            ZipEntry e = zip.getEntry(prefix + name);
            if (e == null) {
                throw new CheckpointFormatException("the archive has no " + prefix + name);
            }
            return e;
        }

        /** At most {@code limit} bytes of an entry; more is an error (a declared size can lie). */
        private byte[] read(ZipEntry e, long limit) throws IOException {
            if (e.getSize() > limit) {
                throw new CheckpointFormatException(
                        e.getName() + " declares " + e.getSize() + " bytes, over the limit of " + limit);
            }
            try (InputStream in = zip.getInputStream(e)) {
                byte[] data = in.readNBytes((int) Math.min(limit, MAX_STORAGE_BYTES));
                if (in.read() != -1) {
                    throw new CheckpointFormatException(e.getName() + " holds more than " + limit + " bytes");
                }
                return data;
            }
        }
    }

    /** The one top-level folder every entry sits in (PyTorch names it after the file); names may not climb out. */
    private static String prefix(ZipFile zip) throws CheckpointFormatException {
        if (zip.size() > MAX_ENTRIES) {
            throw new CheckpointFormatException("the archive has " + zip.size() + " entries, over " + MAX_ENTRIES);
        }
        String pickle = null;
        for (var entries = zip.entries(); entries.hasMoreElements(); ) {
            String name = entries.nextElement().getName();
            if (name.startsWith("/")
                    || name.contains("\\")
                    || List.of(name.split("/")).contains("..")) {
                throw new CheckpointFormatException("the archive has an entry that climbs out of it: " + name);
            }
            if (name.endsWith("/data.pkl") && name.indexOf('/') == name.length() - "/data.pkl".length()) {
                pickle = name;
            }
        }
        if (pickle == null) {
            throw new CheckpointFormatException("not a PyTorch checkpoint: the zip has no <archive>/data.pkl");
        }
        return pickle.substring(0, pickle.length() - "data.pkl".length());
    }

    private record Located(Map<?, ?> tensors, String where) {}

    /** The state dict in a checkpoint's root: itself, or its "state_dict" / "model" entry. */
    private static Located locate(Object root) throws CheckpointFormatException {
        if (root instanceof Map<?, ?> m) {
            if (isStateDict(m)) {
                return new Located(m, "a state dict");
            }
            for (String key : List.of("state_dict", "model", "network", "net")) {
                if (m.get(key) instanceof Map<?, ?> inner && isStateDict(inner)) {
                    return new Located(inner, "the state dict under \"" + key + "\"");
                }
            }
            throw new CheckpointFormatException(
                    "the checkpoint is a dictionary without a state dict: its keys are " + new ArrayList<>(m.keySet())
                            + "; expected tensors by name, or one under \"model\" or \"state_dict\"");
        }
        throw new CheckpointFormatException("the checkpoint holds a "
                + (root == null ? "None" : root.getClass().getSimpleName())
                + ", not a state dict (save model.state_dict(), or export with torch.jit.save)");
    }

    private static boolean isStateDict(Map<?, ?> m) {
        return !m.isEmpty()
                && m.entrySet().stream()
                        .allMatch(e -> e.getKey() instanceof String && e.getValue() instanceof TorchTensor);
    }

    /** A TorchScript module's tensors by attribute path (submodules recurse). */
    private static void collect(Pickled.ScriptObject module, String path, Map<String, TorchTensor> out) {
        module.attributes().forEach((name, value) -> {
            if (value instanceof TorchTensor t) {
                out.put(path + name, t);
            } else if (value instanceof Pickled.ScriptObject child) {
                collect(child, path + name + ".", out);
            }
        });
    }

    private static Map<String, TorchTensor> stripModulePrefix(Map<String, TorchTensor> tensors) {
        if (tensors.isEmpty() || !tensors.keySet().stream().allMatch(k -> k.startsWith("module."))) {
            return tensors;
        }
        Map<String, TorchTensor> stripped = new LinkedHashMap<>();
        tensors.forEach((k, v) -> stripped.put(k.substring("module.".length()), v));
        return stripped;
    }
}
