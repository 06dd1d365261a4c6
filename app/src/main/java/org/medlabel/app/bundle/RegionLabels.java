package org.medlabel.app.bundle;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one Python function of the zoo's post-processing that MedLabel reproduces: a {@code Lambdad} that labels
 * overlapping, thresholded sigmoid channels by precedence, as the BraTS bundle writes it:
 * {@code lambda x: torch.where(x[[2]] > 0, 4, torch.where(x[[0]] > 0, 1, torch.where(x[[1]] > 0, 2, 0)))}.
 * Read without Python: nested {@code torch.where} on one channel each, ending in 0.
 */
final class RegionLabels {

    private static final Pattern LAMBDA =
            Pattern.compile("^\\$?\\s*lambda\\s+(\\w+)\\s*:\\s*(.*?)\\s*$", Pattern.DOTALL);

    private RegionLabels() {}

    /**
     * [channel, label] pairs in precedence order.
     *
     * @throws BundleException quoting the function when it is not of that form
     */
    static List<List<Integer>> parse(String function) {
        Matcher lambda = LAMBDA.matcher(function);
        if (!lambda.matches()) {
            throw refused(function);
        }
        Pattern where = Pattern.compile(
                "^torch\\.where\\(\\s*" + Pattern.quote(lambda.group(1))
                        + "\\[\\[(\\d+)\\]\\]\\s*>\\s*0(?:\\.0*)?\\s*,\\s*(\\d+)\\s*,\\s*(.*)\\)$",
                Pattern.DOTALL);
        List<List<Integer>> pairs = new ArrayList<>();
        String rest = lambda.group(2).trim();
        while (!rest.equals("0")) {
            Matcher m = where.matcher(rest);
            if (!m.matches()) {
                throw refused(function);
            }
            pairs.add(List.of(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
            rest = m.group(3).trim();
        }
        if (pairs.isEmpty()) {
            throw refused(function);
        }
        return pairs;
    }

    private static BundleException refused(String function) {
        return new BundleException("postprocessing Lambdad: " + function
                + " (MedLabel reads only nested torch.where(x[[channel]] > 0, label, ...) ending in 0)");
    }
}
