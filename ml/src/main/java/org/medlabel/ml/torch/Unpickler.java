package org.medlabel.ml.torch;

import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The subset of Python's pickle (protocols 2 to 5) that PyTorch checkpoints and TorchScript archives use, read without
 * running anything: a global resolves only if it is on the allow-list, and the few callables there are interpreted
 * here (a tensor rebuild, an OrderedDict, a TorchScript list). Every other global, an unknown opcode, a truncated stream
 * or a length beyond the stream is refused with a {@link CheckpointFormatException} naming it.
 */
final class Unpickler {

    /** Callables a reduce may apply; each is interpreted by {@link #reduce}. */
    private static final Set<String> FUNCTIONS = Set.of(
            "collections.OrderedDict",
            "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_tensor_v2",
            "torch._utils._rebuild_parameter",
            "torch._utils._rebuild_parameter_with_state",
            "torch.jit._pickle.build_intlist",
            "torch.jit._pickle.build_doublelist",
            "torch.jit._pickle.build_boollist",
            "torch.jit._pickle.build_tensorlist",
            "torch.jit._pickle.build_genericlist",
            "torch.jit._pickle.restore_type_tag",
            "builtins.set",
            "builtins.frozenset");

    /** Resolves a persistent id: PyTorch pickles each storage as ("storage", type, key, location, elements). */
    interface PersistentLoad {
        Object apply(Pickled.Tuple id) throws CheckpointFormatException;
    }

    private final ByteBuffer in;
    private final PersistentLoad persistentLoad;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();

    private Unpickler(byte[] bytes, PersistentLoad persistentLoad) {
        this.in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        this.persistentLoad = persistentLoad;
    }

    /** The object {@code bytes} pickle; persistent ids (PyTorch's storages) are resolved by {@code persistentLoad}. */
    static Object load(byte[] bytes, PersistentLoad persistentLoad) throws CheckpointFormatException {
        try {
            return new Unpickler(bytes, persistentLoad).run();
        } catch (BufferUnderflowException | IndexOutOfBoundsException e) {
            throw new CheckpointFormatException("the pickle stream is truncated or malformed");
        } catch (RuntimeException e) {
            throw new CheckpointFormatException("the pickle stream holds an unexpected value: " + e, e);
        }
    }

    private Object run() throws CheckpointFormatException {
        while (true) {
            int op = in.get() & 0xff;
            switch (op) {
                case 0x80 -> in.get(); // PROTO
                case 0x95 -> in.getLong(); // FRAME: frames are only a buffering hint
                case '.' -> {
                    return pop();
                }
                case '(' -> marks.add(stack.size());
                case ')' -> push(new Pickled.Tuple(List.of()));
                case ']' -> push(new ArrayList<>());
                case '}' -> push(new LinkedHashMap<>());
                case 0x8f -> push(new ArrayList<>()); // EMPTY_SET, kept as a list
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'K' -> push((long) (in.get() & 0xff));
                case 'M' -> push((long) (in.getShort() & 0xffff));
                case 'J' -> push((long) in.getInt());
                case 0x8a -> push(longOf(bytes(in.get() & 0xff)));
                case 0x8b -> push(longOf(bytes(length(in.getInt() & 0xffffffffL))));
                case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // big-endian
                case 'X' -> push(text(length(in.getInt() & 0xffffffffL)));
                case 0x8c -> push(text(in.get() & 0xff));
                case 0x8d -> push(text(length(in.getLong())));
                case 'T' -> push(text(length(in.getInt() & 0xffffffffL))); // BINSTRING (protocol 2 str)
                case 'U' -> push(text(in.get() & 0xff));
                case 'B' -> push(bytes(length(in.getInt() & 0xffffffffL)));
                case 'C' -> push(bytes(in.get() & 0xff));
                case 0x8e -> push(bytes(length(in.getLong())));
                case 't' -> push(new Pickled.Tuple(popMark()));
                case 0x85 -> push(tuple(1));
                case 0x86 -> push(tuple(2));
                case 0x87 -> push(tuple(3));
                case 'l' -> push(new ArrayList<>(popMark()));
                case 'd' -> push(dictOf(popMark()));
                case 'a' -> {
                    Object v = pop();
                    list(peek()).add(v);
                }
                case 'e' -> {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                }
                case 's' -> {
                    Object v = pop();
                    Object k = pop();
                    map(peek()).put(k, v);
                }
                case 'u' -> {
                    List<Object> items = popMark();
                    map(peek()).putAll(dictOf(items));
                }
                case 'c' -> push(global(line(), line()));
                case 0x93 -> {
                    String name = (String) pop();
                    push(global((String) pop(), name));
                }
                case 'R' -> {
                    Pickled.Tuple args = (Pickled.Tuple) pop();
                    push(reduce((Pickled.Global) pop(), args.items()));
                }
                case 0x81 -> { // NEWOBJ
                    Pickled.Tuple args = (Pickled.Tuple) pop();
                    push(construct((Pickled.Global) pop(), args.items()));
                }
                case 'b' -> build(pop(), peek());
                case 'Q' -> push(persistentLoad.apply((Pickled.Tuple) pop()));
                case 'q' -> memo.put((long) (in.get() & 0xff), peek());
                case 'r' -> memo.put(in.getInt() & 0xffffffffL, peek());
                case 0x94 -> memo.put((long) memo.size(), peek());
                case 'h' -> push(memoized(in.get() & 0xff));
                case 'j' -> push(memoized(in.getInt() & 0xffffffffL));
                case '0' -> pop();
                case '2' -> push(peek());
                default ->
                    throw new CheckpointFormatException(String.format(
                            "pickle opcode 0x%02x at byte %d is not one checkpoints use", op, in.position() - 1));
            }
        }
    }

    private Pickled.Global global(String module, String name) throws CheckpointFormatException {
        Pickled.Global g = new Pickled.Global(module, name);
        boolean storage = module.equals("torch") && DType.ofStorage(name) != null;
        if (storage || FUNCTIONS.contains(g.qualified()) || module.startsWith("__torch__.")) {
            return g;
        }
        throw new CheckpointFormatException(
                "the checkpoint refers to " + g.qualified()
                        + ", which is not a tensor, a container or a TorchScript module; it was not loaded (nothing in it runs)");
    }

    private Object reduce(Pickled.Global f, List<Object> args) throws CheckpointFormatException {
        return switch (f.qualified()) {
            case "collections.OrderedDict" -> args.isEmpty() ? new LinkedHashMap<>() : dictOfPairs(list(args.get(0)));
            case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2" -> TorchTensor.rebuild(args);
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> args.get(0);
            case "torch.jit._pickle.restore_type_tag" -> args.get(0);
            case "builtins.set", "builtins.frozenset" -> args.isEmpty() ? new ArrayList<>() : list(args.get(0));
            default -> {
                if (f.module().equals("torch.jit._pickle")) {
                    yield list(args.get(0));
                }
                throw new CheckpointFormatException("the checkpoint calls " + f.qualified() + ", which is not loaded");
            }
        };
    }

    private static Object construct(Pickled.Global type, List<Object> args) throws CheckpointFormatException {
        if (!type.module().startsWith("__torch__.") || !args.isEmpty()) {
            throw new CheckpointFormatException(
                    "the checkpoint constructs " + type.qualified() + ", which is not loaded");
        }
        return new Pickled.ScriptObject(type.qualified(), new LinkedHashMap<>());
    }

    /** BUILD: a TorchScript object takes its attributes; an OrderedDict's state (e.g. _metadata) is dropped. */
    private static void build(Object state, Object target) throws CheckpointFormatException {
        if (target instanceof Pickled.ScriptObject o && state instanceof Map<?, ?> attributes) {
            attributes.forEach((k, v) -> o.attributes().put(String.valueOf(k), v));
        } else if (!(target instanceof Map<?, ?>) && !(target instanceof TorchTensor)) {
            throw new CheckpointFormatException("the checkpoint sets the state of a "
                    + (target == null ? "None" : target.getClass().getSimpleName()) + ", which is not loaded");
        }
    }

    private Object memoized(long index) throws CheckpointFormatException {
        if (!memo.containsKey(index)) {
            throw new CheckpointFormatException("the pickle stream refers to memo entry " + index + ", never stored");
        }
        return memo.get(index);
    }

    private int length(long n) throws CheckpointFormatException {
        if (n < 0 || n > in.remaining()) {
            throw new CheckpointFormatException(
                    "the pickle stream declares " + n + " bytes where " + in.remaining() + " remain");
        }
        return (int) n;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String text(int n) {
        return new String(bytes(n), StandardCharsets.UTF_8);
    }

    private String line() throws CheckpointFormatException {
        StringBuilder s = new StringBuilder();
        for (byte b = in.get(); b != '\n'; b = in.get()) {
            if (s.length() > 1000) {
                throw new CheckpointFormatException("a global's name in the pickle stream is over 1000 characters");
            }
            s.append((char) b);
        }
        return s.toString();
    }

    /** LONG1/LONG4: a little-endian two's complement integer. */
    private static Object longOf(byte[] le) {
        byte[] be = new byte[Math.max(1, le.length)];
        for (int i = 0; i < le.length; i++) {
            be[be.length - 1 - i] = le[i];
        }
        BigInteger v = le.length == 0 ? BigInteger.ZERO : new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Pickled.Tuple tuple(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return new Pickled.Tuple(Arrays.asList(items));
    }

    private static Map<Object, Object> dictOf(List<Object> flat) throws CheckpointFormatException {
        if (flat.size() % 2 != 0) {
            throw new CheckpointFormatException("a dictionary in the pickle stream has a key without a value");
        }
        Map<Object, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < flat.size(); i += 2) {
            m.put(flat.get(i), flat.get(i + 1));
        }
        return m;
    }

    private static Map<Object, Object> dictOfPairs(List<Object> pairs) {
        Map<Object, Object> m = new LinkedHashMap<>();
        for (Object p : pairs) {
            List<Object> kv = p instanceof Pickled.Tuple t ? t.items() : list(p);
            m.put(kv.get(0), kv.get(1));
        }
        return m;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static Map<Object, Object> map(Object o) {
        return (Map<Object, Object>) o;
    }

    private List<Object> popMark() throws CheckpointFormatException {
        if (marks.isEmpty()) {
            throw new CheckpointFormatException("the pickle stream closes a mark it never opened");
        }
        int at = marks.remove(marks.size() - 1);
        List<Object> items = new ArrayList<>(stack.subList(at, stack.size()));
        stack.subList(at, stack.size()).clear();
        return items;
    }

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        return stack.get(stack.size() - 1);
    }
}
