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
 * Required components of types reached through an interface or an abstract type. A regression found
 * by a second review, on 2026-11-24, of 36c63f6: the field rules were built by walking the declared
 * types only, so for a record reached through {@code @JsonDeserialize(as = ...)} or named subtypes
 * a missing required component was accepted as null; Jackson's own check was then kept on for such
 * types, which rejects a missing one but lets a JSON {@code null} through. Since 2026-11-24 the
 * walk follows {@code @JsonDeserialize(as = ...)} (on the type or the property) and
 * {@code @JsonSubTypes}, so the step's rules apply there as at the top: missing and {@code null}
 * are both {@code MISSING_REQUIRED_FIELD}, naming the type. A class named in the JSON ({@code
 * JsonTypeInfo.Id.CLASS}) is known only at read time and stays outside: Jackson's check only
 * (docs/formats-json.md).
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
  void requiredComponent_ofARecordBoundToAnInterfaceField_missingOrNull_isMissingRequiredField() {
    JsonRecordReader<Labelled> reader = ReaderFixtures.of(Labelled.class).reader();

    assertThat(rejection(reader, "{\"n\":1,\"label\":{\"text\":\"t\"}}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'id' of LabelRecord is missing or null at"
                + " $.label");
    assertThat(rejection(reader, "{\"n\":1,\"label\":{\"id\":null,\"text\":\"t\"}}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'id' of LabelRecord is missing or null at"
                + " $.label");
  }

  /** An interface bound to a record on the property that declares it. */
  public interface Note {}

  /** The record a Note is read as. */
  public record NoteRecord(@JsonProperty(required = true) String body) implements Note {}

  /** Binds its Note on the field. */
  public static class Noted {
    public int n;

    @JsonDeserialize(as = NoteRecord.class)
    public Note note;
  }

  @Test
  void requiredComponent_ofARecordBoundOnTheProperty_null_isMissingRequiredField()
      throws Exception {
    JsonRecordReader<Noted> reader = ReaderFixtures.of(Noted.class).reader();

    assertThat(rejection(reader, "{\"n\":1,\"note\":{\"body\":null}}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'body' of NoteRecord is missing or null at"
                + " $.note");
    assertThat(reader.read(utf8("{\"n\":1,\"note\":{\"body\":\"b\"}}")).note)
        .isEqualTo(new NoteRecord("b"));
  }

  /** Named subtypes. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Circle.class, name = "circle"),
    @JsonSubTypes.Type(value = Square.class, name = "square")
  })
  public interface Shape {}

  /** A subtype with a required component. */
  public record Circle(@JsonProperty(required = true) Double radius, String color)
      implements Shape {}

  /** A subtype with a primitive component. */
  public record Square(int side) implements Shape {}

  /** Holds a shape. */
  public static class Drawing {
    public int n;
    public Shape shape;
  }

  @Test
  void requiredComponent_ofANamedSubtype_missingOrNull_isMissingRequiredField() {
    JsonRecordReader<Drawing> reader = ReaderFixtures.of(Drawing.class).reader();

    assertThat(rejection(reader, "{\"n\":1,\"shape\":{\"kind\":\"circle\",\"color\":\"red\"}}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'radius' of Circle is missing or null at"
                + " $.shape");
    assertThat(rejection(reader, "{\"n\":1,\"shape\":{\"kind\":\"circle\",\"radius\":null}}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'radius' of Circle is missing or null at"
                + " $.shape");
  }

  @Test
  void primitiveComponent_ofANamedSubtype_missing_isMissingRequiredField_asAtTheTop() {
    JsonRecordReader<Drawing> reader = ReaderFixtures.of(Drawing.class).reader();

    assertThat(rejection(reader, "{\"n\":1,\"shape\":{\"kind\":\"square\"}}"))
        .hasMessage(
            "MISSING_REQUIRED_FIELD: required field 'side' of Square is missing or null at"
                + " $.shape");
  }
}
