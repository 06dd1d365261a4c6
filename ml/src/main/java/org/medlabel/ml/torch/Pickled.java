package org.medlabel.ml.torch;

import java.util.List;
import java.util.Map;

/** The values {@link Unpickler} produces besides Java's own (String, Long, Double, Boolean, List, Map, byte[]). */
final class Pickled {

    private Pickled() {}

    /** A Python tuple (kept apart from lists: a persistent id and a reduce's arguments are tuples). */
    record Tuple(List<Object> items) {}

    /** A global the allow-list resolved: a class or function, referenced by its qualified name. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A TorchScript module or class instance ({@code __torch__.*}): its attributes, set by BUILD. */
    record ScriptObject(String type, Map<String, Object> attributes) {}

    /** A storage referenced by a persistent id: its key in the archive, element type and element count. */
    record StorageRef(String key, DType dtype, long elements) {}
}
