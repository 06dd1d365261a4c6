package org.medlabel.ml.train;

import java.util.List;

/**
 * The parameter update, computed inside the training graph with PyTorch's semantics. The learning rate and the step
 * number are inputs of every step, so schedules live in Java.
 */
public sealed interface Optimizer permits Optimizer.Adam, Optimizer.Sgd {

    /** The per-parameter state tensors this optimiser keeps, by prefix (each has the parameter's shape). */
    List<String> statePrefixes();

    /**
     * Adam ({@code decoupled} = false: weight decay added to the gradient, as {@code torch.optim.Adam}) or AdamW
     * ({@code decoupled} = true: the parameter shrunk by lr·decay, as {@code torch.optim.AdamW}), bias-corrected.
     */
    record Adam(double beta1, double beta2, double epsilon, double weightDecay, boolean decoupled)
            implements Optimizer {

        public static Adam defaults() {
            return new Adam(0.9, 0.999, 1e-8, 0, false);
        }

        public static Adam adamW(double weightDecay) {
            return new Adam(0.9, 0.999, 1e-8, weightDecay, true);
        }

        public Adam {
            if (beta1 < 0 || beta1 >= 1 || beta2 < 0 || beta2 >= 1 || epsilon <= 0 || weightDecay < 0) {
                throw new IllegalArgumentException("Adam needs 0 <= beta < 1, epsilon > 0 and weight decay >= 0");
            }
        }

        @Override
        public List<String> statePrefixes() {
            return List.of("adam.m.", "adam.v.");
        }
    }

    /** SGD with momentum (PyTorch's form: buf = μ·buf + g; no dampening) and L2 weight decay; optional Nesterov. */
    record Sgd(double momentum, double weightDecay, boolean nesterov) implements Optimizer {

        public Sgd {
            if (momentum < 0 || weightDecay < 0 || (nesterov && momentum == 0)) {
                throw new IllegalArgumentException("SGD needs momentum >= 0 (> 0 for Nesterov) and weight decay >= 0");
            }
        }

        @Override
        public List<String> statePrefixes() {
            return momentum > 0 ? List.of("sgd.momentum.") : List.of();
        }
    }
}
