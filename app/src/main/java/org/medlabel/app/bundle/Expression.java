package org.medlabel.app.bundle;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The Python expressions of MONAI bundle configs ({@code "$..."}) that compute a value from plain values: numbers,
 * strings, lists, {@code True}/{@code False}/{@code None}, {@code @id} references, {@code + - * / //}, comparisons,
 * {@code and}/{@code or}/{@code not}, {@code a if c else b}, indexing, {@code len}, {@code int}, {@code float},
 * {@code str}, {@code min}, {@code max}. Anything else (a module such as {@code torch}, a lambda, a comprehension)
 * cannot be reproduced without Python and is refused with the expression named.
 */
final class Expression {

    private static final List<String> FUNCTIONS = List.of("len", "int", "float", "str", "min", "max");

    private final String text;
    private final Function<String, Object> references;
    private final List<String> tokens;
    private int at;

    private Expression(String text, Function<String, Object> references) {
        this.text = text;
        this.references = references;
        this.tokens = tokenize(text);
    }

    /**
     * The value of {@code text} (without its leading {@code $}); {@code references} resolves an {@code @id}.
     *
     * @throws BundleException naming the expression and what in it is not supported
     */
    static Object evaluate(String text, Function<String, Object> references) {
        Expression e = new Expression(text, references);
        Object value = e.conditional();
        if (e.at != e.tokens.size()) {
            throw e.unsupported("'" + e.tokens.get(e.at) + "'");
        }
        return value;
    }

    private Object conditional() {
        Object value = or();
        if (accept("if")) {
            boolean condition = truthy(or());
            expect("else");
            Object otherwise = conditional();
            return condition ? value : otherwise;
        }
        return value;
    }

    private Object or() {
        Object v = and();
        while (accept("or")) {
            Object r = and();
            v = truthy(v) ? v : r;
        }
        return v;
    }

    private Object and() {
        Object v = not();
        while (accept("and")) {
            Object r = not();
            v = truthy(v) ? r : v;
        }
        return v;
    }

    private Object not() {
        return accept("not") ? !truthy(not()) : comparison();
    }

    private Object comparison() {
        Object a = sum();
        for (String op : List.of("==", "!=", "<=", ">=", "<", ">")) {
            if (accept(op)) {
                Object b = sum();
                return switch (op) {
                    case "==" -> equal(a, b);
                    case "!=" -> !equal(a, b);
                    default -> {
                        int c = Double.compare(number(a), number(b));
                        yield switch (op) {
                            case "<=" -> c <= 0;
                            case ">=" -> c >= 0;
                            case "<" -> c < 0;
                            default -> c > 0;
                        };
                    }
                };
            }
        }
        return a;
    }

    private Object sum() {
        Object v = term();
        while (true) {
            if (accept("+")) {
                v = plus(v, term());
            } else if (accept("-")) {
                v = arithmetic(v, term(), '-');
            } else {
                return v;
            }
        }
    }

    private Object term() {
        Object v = unary();
        while (true) {
            if (accept("*")) {
                v = times(v, unary());
            } else if (accept("//")) {
                v = arithmetic(v, unary(), 'f');
            } else if (accept("/")) {
                v = number(v) / number(unary());
            } else {
                return v;
            }
        }
    }

    private Object unary() {
        if (accept("-")) {
            return arithmetic(0, unary(), '-');
        }
        return postfix();
    }

    private Object postfix() {
        Object v = primary();
        while (accept("[")) {
            Object index = conditional();
            expect("]");
            if (v instanceof List<?> list && index instanceof Number n) {
                int i = n.intValue() < 0 ? list.size() + n.intValue() : n.intValue();
                v = list.get(i);
            } else if (v instanceof Map<?, ?> map && map.containsKey(index)) {
                v = map.get(index);
            } else {
                throw unsupported("indexing " + v + " by " + index);
            }
        }
        return v;
    }

    private Object primary() {
        if (at >= tokens.size()) {
            throw unsupported("its end");
        }
        String t = tokens.get(at++);
        if (t.equals("(")) {
            Object v = conditional();
            expect(")");
            return v;
        }
        if (t.equals("[")) {
            List<Object> items = new ArrayList<>();
            while (!accept("]")) {
                items.add(conditional());
                if (!accept(",")) {
                    expect("]");
                    break;
                }
            }
            return items;
        }
        if (t.startsWith("@")) {
            return references.apply(t.substring(1));
        }
        if (t.startsWith("'") || t.startsWith("\"")) {
            return t.substring(1, t.length() - 1);
        }
        if (Character.isDigit(t.charAt(0)) || t.charAt(0) == '.') {
            return t.matches("\\d+") ? (Object) Integer.valueOf(t) : (Object) Double.valueOf(t);
        }
        switch (t) {
            case "True":
                return true;
            case "False":
                return false;
            case "None":
                return null;
            default:
                break;
        }
        if (FUNCTIONS.contains(t) && accept("(")) {
            List<Object> args = new ArrayList<>();
            while (!accept(")")) {
                args.add(conditional());
                if (!accept(",")) {
                    expect(")");
                    break;
                }
            }
            return call(t, args);
        }
        throw unsupported("'" + t + "'");
    }

    private Object call(String function, List<Object> args) {
        if (args.isEmpty()) {
            throw unsupported(function + "() without arguments");
        }
        Object a = args.get(0);
        return switch (function) {
            case "len" ->
                a instanceof List<?> l
                        ? l.size()
                        : a instanceof Map<?, ?> m ? m.size() : a instanceof String s ? s.length() : failLen(a);
            case "int" -> (int) number(a);
            case "float" -> number(a);
            case "str" -> String.valueOf(a);
            default -> {
                List<?> values = args.size() == 1 && a instanceof List<?> l ? l : args;
                Object best = values.get(0);
                for (Object v : values) {
                    int c = Double.compare(number(v), number(best));
                    if (function.equals("min") ? c < 0 : c > 0) {
                        best = v;
                    }
                }
                yield best;
            }
        };
    }

    private Object failLen(Object a) {
        throw unsupported("len of " + a);
    }

    private Object plus(Object a, Object b) {
        if (a instanceof String x && b instanceof String y) {
            return x + y;
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            List<Object> joined = new ArrayList<>(x);
            joined.addAll(y);
            return joined;
        }
        return arithmetic(a, b, '+');
    }

    /** Python's *: numbers multiplied, a list or string repeated. */
    private Object times(Object a, Object b) {
        if (a instanceof List<?> list && b instanceof Integer n) {
            List<Object> repeated = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                repeated.addAll(list);
            }
            return repeated;
        }
        if (a instanceof String s && b instanceof Integer n) {
            return s.repeat(Math.max(0, n));
        }
        return arithmetic(a, b, '*');
    }

    private Object arithmetic(Object a, Object b, char op) {
        double x = number(a);
        double y = number(b);
        double r = switch (op) {
            case '+' -> x + y;
            case '-' -> x - y;
            case '*' -> x * y;
            default -> Math.floor(x / y);
        };
        boolean integral = (a instanceof Integer || a instanceof Long) && (b instanceof Integer || b instanceof Long);
        return integral ? (Object) (int) r : (Object) r;
    }

    private double number(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        throw unsupported("arithmetic on " + v);
    }

    private static boolean equal(Object a, Object b) {
        if (a instanceof Number x && b instanceof Number y) {
            return x.doubleValue() == y.doubleValue();
        }
        return Objects.equals(a, b);
    }

    private static boolean truthy(Object v) {
        if (v == null) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        return true;
    }

    private boolean accept(String token) {
        if (at < tokens.size() && tokens.get(at).equals(token)) {
            at++;
            return true;
        }
        return false;
    }

    private void expect(String token) {
        if (!accept(token)) {
            throw unsupported(at < tokens.size() ? "'" + tokens.get(at) + "'" : "its end (expected " + token + ")");
        }
    }

    private BundleException unsupported(String what) {
        return new BundleException(
                "the expression \"$" + text + "\" is not supported (MedLabel evaluates plain values, @references and"
                        + " arithmetic without Python): at " + what);
    }

    private List<String> tokenize(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            int start = i;
            if (c == '\'' || c == '"') {
                i = s.indexOf(c, i + 1);
                if (i < 0) {
                    throw new BundleException("the expression \"$" + s + "\" has an unterminated string");
                }
                i++;
            } else if (c == '@') {
                i++;
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || "_#".indexOf(s.charAt(i)) >= 0)) {
                    i++;
                }
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || "._eE".indexOf(s.charAt(i)) >= 0)) {
                    i++;
                }
            } else if (Character.isLetter(c) || c == '_') {
                while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                    i++;
                }
            } else if (i + 1 < s.length()
                    && List.of("==", "!=", "<=", ">=", "//").contains(s.substring(i, i + 2))) {
                i += 2;
            } else {
                i++;
            }
            out.add(s.substring(start, i));
        }
        return out;
    }
}
