package dev.etlkit.operators.json;

import org.apache.flink.annotation.PublicEvolving;

/**
 * What {@link JsonParse} does with a JSON field that is not a property of the target type, at any
 * nesting level. A class annotated {@code @JsonIgnoreProperties(ignoreUnknown = true)} ignores
 * unknown fields whatever the policy. A property the type writes but cannot set (a getter without a
 * setter, field or constructor parameter, such as a derived {@code getFullName()}) is not unknown:
 * {@link Json#write} writes it, and it is skipped under either policy (also for a type read through
 * a Jackson builder, {@code @JsonDeserialize(builder = ...)}, wherever the builder is declared), so
 * {@link Json#parse} reads back what {@code Json.write} writes. A skipped value is held to the read
 * limits like any other, except where the type itself has Jackson skip values unread
 * ({@code @JsonIgnore}, {@code ignoreUnknown = true}): their strings are not held to {@code
 * maxStringLength}.
 */
@PublicEvolving
public enum UnknownFields {
  /** Skip the field (and its value); the record is emitted. The default. */
  IGNORE,
  /** Reject the record: one dead letter with reason {@code UNKNOWN_FIELD}. */
  DEAD_LETTER
}
