package org.medlabel.app.config;

/**
 * What turns the network's output into labels: {@code softmax} (argmax over channels) or {@code sigmoid} (one channel,
 * foreground above {@code threshold}), then optionally only the largest connected component of each label.
 */
public record PostProcessing(String activation, Double threshold, Boolean largestComponent) {

    public boolean sigmoid() {
        return "sigmoid".equals(activation);
    }

    public boolean keepLargestComponent() {
        return Boolean.TRUE.equals(largestComponent);
    }
}
