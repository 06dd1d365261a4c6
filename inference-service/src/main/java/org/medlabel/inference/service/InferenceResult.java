package org.medlabel.inference.service;

import java.nio.file.Path;
import java.util.Map;

/** MONAI Label's result JSON and, unless only JSON was asked for, the label file (deleted once sent). */
public record InferenceResult(Map<String, Object> json, Path file) {}
