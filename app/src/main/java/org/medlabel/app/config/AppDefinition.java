package org.medlabel.app.config;

import java.util.Map;

/** An app: what {@code /info/} calls name, description and version, and its models by name (in file order). */
public record AppDefinition(String name, String description, String version, Map<String, ModelDefinition> models) {}
