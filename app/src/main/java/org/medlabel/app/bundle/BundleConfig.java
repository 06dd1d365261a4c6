package org.medlabel.app.bundle;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A MONAI bundle config (JSON or YAML) with MONAI's reference syntax resolved on demand: {@code "@id"} (ids are paths
 * of keys and list indices joined by {@code #}), {@code "%file#id"} (another config file's raw content, relative to the
 * bundle root) and {@code "$expression"} ({@link Expression}). Only what is asked for is resolved, so the parts of a
 * config that need Python (data loaders, devices, handlers) never stand in the way of those that describe the model.
 * Objects and lists resolve each value when it is read. Items with {@code "_disabled_": true} are left out, as MONAI
 * does.
 */
public final class BundleConfig {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final Path root;
    private final String name;
    private final Object content;
    private final Deque<String> resolving = new ArrayDeque<>();

    private BundleConfig(Path root, String name, Object content) {
        this.root = root;
        this.name = name;
        this.content = content;
    }

    /** The config file {@code relative} (under {@code root}, the bundle's folder). */
    static BundleConfig read(Path root, String relative) {
        return new BundleConfig(root, relative, parse(root, relative));
    }

    /** The config's name in messages ({@code configs/inference.json}). */
    public String name() {
        return name;
    }

    /** Whether {@code id} names something in this config. */
    public boolean has(String id) {
        try {
            raw(content, id);
            return true;
        } catch (BundleException e) {
            return false;
        }
    }

    /**
     * The resolved value of {@code id}: maps, lists, strings, numbers, booleans or null.
     *
     * @throws BundleException naming the id, a missing reference, a cycle or an unsupported expression
     */
    public Object get(String id) {
        if (resolving.contains(id)) {
            throw new BundleException(name + ": the references of @" + id + " form a cycle: " + resolving);
        }
        resolving.push(id);
        try {
            return resolve(raw(content, id));
        } finally {
            resolving.pop();
        }
    }

    private Object resolve(Object node) {
        if (node instanceof String s) {
            if (s.startsWith("@")) {
                return get(s.substring(1));
            }
            if (s.startsWith("$")) {
                return Expression.evaluate(s.substring(1), this::get);
            }
            if (s.startsWith("%")) {
                return resolve(macro(s.substring(1)));
            }
            return s;
        }
        if (node instanceof Map<?, ?> map) {
            return new Lazy(map);
        }
        if (node instanceof List<?> list) {
            List<Object> kept = new ArrayList<>();
            for (Object item : list) {
                if (!(item instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("_disabled_")))) {
                    kept.add(item);
                }
            }
            return new AbstractList<Object>() {
                @Override
                public Object get(int index) {
                    return resolve(kept.get(index));
                }

                @Override
                public int size() {
                    return kept.size();
                }
            };
        }
        return node;
    }

    /** The value of {@code key} in a config object as written: a {@code $} expression not evaluated. */
    static Object unresolved(Map<String, Object> object, String key) {
        return object instanceof BundleConfig.Lazy lazy ? lazy.raw.get(key) : object.get(key);
    }

    /** A config object whose values are resolved when read: its other values may need Python. */
    private final class Lazy extends AbstractMap<String, Object> {

        private final Map<String, Object> raw = new LinkedHashMap<>();

        Lazy(Map<?, ?> raw) {
            raw.forEach((k, v) -> this.raw.put(String.valueOf(k), v));
        }

        @Override
        public boolean containsKey(Object key) {
            return raw.containsKey(key);
        }

        @Override
        public Object get(Object key) {
            return raw.containsKey(key) ? resolve(raw.get(key)) : null;
        }

        @Override
        public Set<String> keySet() {
            return raw.keySet();
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    Iterator<String> keys = raw.keySet().iterator();
                    return new Iterator<>() {
                        @Override
                        public boolean hasNext() {
                            return keys.hasNext();
                        }

                        @Override
                        public Entry<String, Object> next() {
                            String key = keys.next();
                            return new SimpleImmutableEntry<>(key, get(key));
                        }
                    };
                }

                @Override
                public int size() {
                    return raw.size();
                }
            };
        }
    }

    /** {@code file#id}: the raw value of id in another config file of the bundle (or this one when file is empty). */
    private Object macro(String reference) {
        int hash = reference.indexOf('#');
        String file = hash < 0 ? reference : reference.substring(0, hash);
        String id = hash < 0 ? "" : reference.substring(hash + 1);
        Object source = file.isEmpty() ? content : parse(root, file);
        return id.isEmpty() ? source : raw(source, id);
    }

    private Object raw(Object from, String id) {
        Object node = from;
        for (String part : id.split("#", -1)) {
            if (node instanceof Map<?, ?> map && map.containsKey(part)) {
                node = map.get(part);
            } else if (node instanceof List<?> list && part.matches("\\d+") && Integer.parseInt(part) < list.size()) {
                node = list.get(Integer.parseInt(part));
            } else {
                throw new BundleException(name + ": nothing at @" + id + " (no '" + part + "')");
            }
        }
        return node;
    }

    private static Object parse(Path root, String relative) {
        Path file = root.resolve(relative).normalize();
        if (!file.startsWith(root.normalize())) {
            throw new BundleException("the config reference " + relative + " leaves the bundle");
        }
        if (!Files.isRegularFile(file)) {
            throw new BundleException("the bundle has no " + relative);
        }
        try {
            ObjectMapper mapper = relative.endsWith(".json") ? JSON : YAML;
            return mapper.readValue(file.toFile(), Object.class);
        } catch (IOException e) {
            throw new BundleException(
                    relative + " is not valid " + (relative.endsWith(".json") ? "JSON" : "YAML") + ": "
                            + e.getMessage(),
                    e);
        }
    }
}
