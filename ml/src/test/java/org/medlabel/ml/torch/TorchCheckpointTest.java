package org.medlabel.ml.torch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checkpoint reader on files written here opcode by opcode: strided views, float16/bfloat16 storages, and every
 * way a damaged or hostile file is refused — never run, never an exception other than {@link CheckpointFormatException}.
 * (Files PyTorch itself wrote are read in {@code MonaiWeightsTest}.)
 */
class TorchCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void readsAStridedViewOfAStorage() throws Exception {
        // w = storage[0:6] viewed as 3x2 with strides (1, 3): the transpose of [[0, 1, 2], [3, 4, 5]]
        Path file = checkpoint(
                Map.of("archive/data/0", floats(0, 1, 2, 3, 4, 5)),
                tensor("w", "FloatStorage", "0", 6, 0, new int[] {3, 2}, new int[] {1, 3}));
        StateDict sd = TorchCheckpoint.read(file);
        assertArrayEquals(new long[] {3, 2}, sd.tensors().get("w").shape());
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, sd.tensors().get("w").values());
        assertEquals("checkpoint, a state dict", sd.source());
    }

    @Test
    void readsHalfAndBfloat16() throws Exception {
        ByteBuffer half = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN);
        half.putShort((short) 0x3c00).putShort((short) 0xc000).putShort((short) 0x0001); // 1, -2, smallest subnormal
        ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        bf.putShort((short) 0x3fc0).putShort((short) 0xc2c8); // 1.5, -100
        Path file = checkpoint(
                Map.of("archive/data/0", half.array(), "archive/data/1", bf.array()),
                tensor("h", "HalfStorage", "0", 3, 0, new int[] {3}, new int[] {1}),
                tensor("b", "BFloat16Storage", "1", 2, 0, new int[] {2}, new int[] {1}));
        StateDict sd = TorchCheckpoint.read(file);
        assertArrayEquals(new float[] {1, -2, 0x1p-24f}, sd.tensors().get("h").values());
        assertArrayEquals(new float[] {1.5f, -100}, sd.tensors().get("b").values());
    }

    @Test
    void aGlobalOutsideTheAllowListIsRefusedAndNeverRun() throws Exception {
        Pickle p = new Pickle()
                .global("os", "system")
                .unicode("touch " + dir.resolve("pwned"))
                .op(0x85)
                .op('R')
                .op('.');
        CheckpointFormatException e = refused(zip(Map.of("archive/data.pkl", p.bytes())));
        assertTrue(e.getMessage().contains("os.system"), e.getMessage());
        assertTrue(Files.notExists(dir.resolve("pwned")));
        Pickle builtin = new Pickle()
                .global("builtins", "eval")
                .unicode("1")
                .op(0x85)
                .op('R')
                .op('.');
        assertTrue(refused(zip(Map.of("archive/data.pkl", builtin.bytes())))
                .getMessage()
                .contains("builtins.eval"));
    }

    @Test
    void damagedAndOversizedFilesAreRefusedWithTheReason() throws Exception {
        byte[] six = floats(0, 1, 2, 3, 4, 5);
        assertMessage("not a zip archive", write("legacy.pt", new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10}));
        assertMessage("no <archive>/data.pkl", zip(Map.of("archive/other", six)));
        assertMessage("climbs out", zip(Map.of("archive/data.pkl", new byte[] {'.'}, "archive/../../evil", six)));
        assertMessage(
                "has no archive/data/0",
                checkpoint(Map.of(), tensor("w", "FloatStorage", "0", 6, 0, new int[] {6}, new int[] {1})));
        assertMessage(
                "declares 24 bytes but its entry holds 8",
                checkpoint(
                        Map.of("archive/data/0", new byte[8]),
                        tensor("w", "FloatStorage", "0", 6, 0, new int[] {6}, new int[] {1})));
        assertMessage(
                "over the limit",
                checkpoint(
                        Map.of("archive/data/0", six),
                        tensor("w", "FloatStorage", "0", 1L << 40, 0, new int[] {6}, new int[] {1})));
        assertMessage(
                "reaches past its storage",
                checkpoint(
                        Map.of("archive/data/0", six),
                        tensor("w", "FloatStorage", "0", 6, 2, new int[] {2, 3}, new int[] {3, 1})));
        assertMessage(
                "not a state dict",
                zip(Map.of(
                        "archive/data.pkl",
                        new Pickle().unicode("hello").op('.').bytes())));
        assertMessage(
                "truncated",
                zip(Map.of(
                        "archive/data.pkl",
                        new Pickle().op('}').op('(').unicode("a").bytes())));
        assertMessage(
                "declares 1000000 bytes",
                zip(Map.of("archive/data.pkl", new byte[] {'X', 0x40, 0x42, 0x0f, 0, 'a', '.'})));
        byte[] valid = Files.readAllBytes(checkpoint(
                Map.of("archive/data/0", six), tensor("w", "FloatStorage", "0", 6, 0, new int[] {6}, new int[] {1})));
        assertMessage("", write("cut.pt", java.util.Arrays.copyOf(valid, valid.length / 2)));
    }

    /** Random damage to a valid file: each variant loads or is refused with a CheckpointFormatException, nothing else. */
    @Test
    void fuzzedFilesLoadOrAreRefusedCleanly() throws Exception {
        byte[] valid = Files.readAllBytes(checkpoint(
                Map.of("archive/data/0", floats(0, 1, 2, 3, 4, 5)),
                tensor("w", "FloatStorage", "0", 6, 0, new int[] {2, 3}, new int[] {3, 1})));
        Random random = new Random(42);
        int refused = 0;
        for (int i = 0; i < 400; i++) {
            byte[] damaged = valid.clone();
            for (int k = 1 + random.nextInt(4); k > 0; k--) {
                damaged[random.nextInt(damaged.length)] = (byte) random.nextInt(256);
            }
            try {
                TorchCheckpoint.read(write("fuzz.pt", damaged));
            } catch (CheckpointFormatException e) {
                refused++;
            }
        }
        assertTrue(refused > 0, "no damaged variant was refused");
    }

    private void assertMessage(String part, Path file) {
        CheckpointFormatException e = refused(file);
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    private static CheckpointFormatException refused(Path file) {
        return assertThrows(CheckpointFormatException.class, () -> TorchCheckpoint.read(file));
    }

    /** A state dict {name: tensor, ...} pickled as torch.save does (protocol 2, OrderedDict, _rebuild_tensor_v2). */
    private Path checkpoint(Map<String, byte[]> storages, Pickle... tensors) throws IOException {
        Pickle p = new Pickle()
                .global("collections", "OrderedDict")
                .op(')')
                .op('R')
                .op('(');
        for (Pickle t : tensors) {
            p.raw(t.bytes());
        }
        p.op('u').op('.');
        Map<String, byte[]> entries = new LinkedHashMap<>(storages);
        entries.put("archive/data.pkl", p.bytes());
        entries.put("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        return zip(entries);
    }

    /** name, _rebuild_tensor_v2(persistent storage, offset, size, stride, False, OrderedDict()) */
    private static Pickle tensor(
            String name, String storageType, String key, long elements, int offset, int[] size, int[] stride) {
        Pickle p = new Pickle()
                .unicode(name)
                .global("torch._utils", "_rebuild_tensor_v2")
                .op('(');
        p.op('(')
                .unicode("storage")
                .global("torch", storageType)
                .unicode(key)
                .unicode("cpu")
                .integer(elements)
                .op('t')
                .op('Q');
        p.integer(offset).op('(');
        for (int s : size) {
            p.integer(s);
        }
        p.op('t').op('(');
        for (int s : stride) {
            p.integer(s);
        }
        p.op('t')
                .op(0x89)
                .global("collections", "OrderedDict")
                .op(')')
                .op('R')
                .op('t')
                .op('R');
        return p;
    }

    private Path zip(Map<String, byte[]> entries) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(out)) {
            for (var e : entries.entrySet()) {
                z.putNextEntry(new ZipEntry(e.getKey()));
                z.write(e.getValue());
                z.closeEntry();
            }
        }
        return write("checkpoint.pt", out.toByteArray());
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** Pickle opcodes, written one by one. */
    private static final class Pickle {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            out.write(0x80);
            out.write(2);
        }

        Pickle op(int code) {
            out.write(code);
            return this;
        }

        Pickle raw(byte[] b) {
            // a nested pickle's PROTO header is harmless mid-stream
            out.writeBytes(b);
            return this;
        }

        Pickle global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            out.writeBytes(ByteBuffer.allocate(4)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(b.length)
                    .array());
            out.writeBytes(b);
            return this;
        }

        Pickle integer(long v) {
            out.write(0x8a);
            out.write(8);
            out.writeBytes(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(v)
                    .array());
            return this;
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }
}
