package org.medlabel.training.data;

/** One image with its final label, as the datastore lists them: object keys in the shared bucket. */
public record TrainingCase(String id, String image, String label) {}
