package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import dev.etlkit.operators.json.JsonRecordException;
import org.junit.jupiter.api.Test;

/**
 * A regression found by a second review, on 2026-11-24, of 36c63f6 ("a
 * missing @JsonProperty(required = true) component is MISSING_REQUIRED_FIELD"): the reading mapper
 * no longer sees the required marker anywhere, but the field rules that now enforce it are built by
 * walking the declared types only (FieldRules.Builder skips interfaces, and never sees
 * {@code @JsonDeserialize(as = ...)} targets or named subtypes). For a record reached that way, a
 * missing required component was rejected before (mislabelled "WRONG_TYPE: expected String, got a
 * JSON object"), and was then accepted as null. Now Jackson's own check stays on for such types,
 * and its error is MISSING_REQUIRED_FIELD naming the field. docs/formats-json.md: a field annotated
 * {@code @JsonProperty(required = true)} is required "at any depth".
 */
class JsonRequiredBehindInterfaceTest {

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
    assertThat(e).as("expected a rejection of %s", json).isNotNull();
    return e;
  }

  /** An interface bound to a record by annotation. */
  @JsonDeserialize(as = LabelRecord.class)
  public interface Label {}

  /** The record a Label is read as. */
  public record LabelRecord(@JsonProperty(required = true) String id, String text)
      implements Label {}

  /** A top-level POJO with a primitive (so the field rules are not empty). */
  public static class Labelled {
    public int n;
    public Label label;
  }

  @Test
  void requiredComponent_ofARecordBoundToAnInterfaceField_missing_isMissingRequiredField() {
    JsonRecordReader<Labelled> reader = ReaderFixtures.of(Labelled.class).reader();

    assertThat(rejection(reader, "{\"n\":1,\"label\":{\"text\":\"t\"}}"))
        .hasMessage("MISSING_REQUIRED_FIELD: required field 'id' is missing at $.label");
  }

  /** Named subtypes. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
  @JsonSubTypes({@JsonSubTypes.Type(value = Circle.class, name = "circle")})
  public interface Shape {}

  /** A subtype with a required component. */
  public record Circle(@JsonProperty(required = true) Double radius, String color)
      implements Shape {}

  /** Holds a shape. */
  public static class Drawing {
    public int n;
    public Shape shape;
  }

  @Test
  void requiredComponent_ofANamedSubtype_missing_isMissingRequiredField() {
    JsonRecordReader<Drawing> reader = ReaderFixtures.of(Drawing.class).reader();

    assertThat(rejection(reader, "{\"n\":1,\"shape\":{\"kind\":\"circle\",\"color\":\"red\"}}"))
        .hasMessage("MISSING_REQUIRED_FIELD: required field 'radius' is missing at $.shape");
  }
}
