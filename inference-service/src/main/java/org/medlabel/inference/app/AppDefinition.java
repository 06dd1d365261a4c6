package org.medlabel.inference.app;

import java.util.Map;

/** An app: what {@code /info/} calls name, description and version, and its models by name (in file order). */
public record AppDefinition(String name, String description, String version, Map<String, ModelDefinition> models) {}
