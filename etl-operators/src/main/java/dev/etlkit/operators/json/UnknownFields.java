package dev.etlkit.operators.json;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What {@link JsonParse} does with a JSON field that is not a property of the target type, at any
 * nesting level. A class annotated {@code @JsonIgnoreProperties(ignoreUnknown = true)} ignores
 * unknown fields whatever the policy.
 */
@PublicEvolving
public enum UnknownFields {
  /** Skip the field (and its value); the record is emitted. The default. */
  IGNORE,
  /** Reject the record: one dead letter with reason {@code UNKNOWN_FIELD}. */
  DEAD_LETTER
}
