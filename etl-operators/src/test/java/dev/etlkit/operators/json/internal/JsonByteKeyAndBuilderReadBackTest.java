package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.UnknownFields;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Found by a second review of the 2026-11-24 JSON reader fixes, each failing before its fix: a
 * {@code Byte} map key of 128..255 wrapped to negative, and a type built by a nested Jackson
 * builder (Lombok's {@code @Jacksonized @Builder}) could not read back its own written-only
 * properties under {@code UnknownFields.DEAD_LETTER}.
 */
class JsonByteKeyAndBuilderReadBackTest {

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
    assertThat(e).as("expected a rejection of %s", json).isNotNull();
    return e;
  }

  /** A POJO with byte- and short-keyed maps. */
  public static class ByteKeys {
    public Map<Byte, String> m;
    public Map<Short, String> s;
  }

  /**
   * docs/formats-json.md: "a byte ... holds -128 to 127, not Jackson's 'unsigned' 128 to 255" and
   * "a key that does not parse into its key type is INVALID_VALUE". ByteRangeDeserializer wraps
   * only value deserializers; Jackson's StdKeyDeserializer for Byte accepts up to 255 and wraps, so
   * the key "200" is read as -56 (a Short key out of range is already INVALID_VALUE).
   */
  @Test
  void byteMapKey_above127_isInvalidValueNotWrappedToANegativeByte() throws Exception {
    JsonRecordReader<ByteKeys> reader = ReaderFixtures.of(ByteKeys.class).reader();

    assertThat(reader.read(utf8("{\"m\":{\"127\":\"x\",\"-128\":\"y\"}}")).m)
        .containsOnly(Map.entry((byte) 127, "x"), Map.entry((byte) -128, "y"));
    assertThat(rejection(reader, "{\"s\":{\"40000\":\"x\"}}"))
        .hasMessage("INVALID_VALUE: invalid Short value at $.s.?");
    assertThat(rejection(reader, "{\"m\":{\"200\":\"x\"}}"))
        .hasMessage("INVALID_VALUE: invalid Byte value at $.m.?");
  }

  /** Built by a builder (as Lombok's {@code @Jacksonized @Builder}), with a derived getter. */
  @JsonDeserialize(builder = Built.Builder.class)
  public static final class Built {
    private final String first;
    private final String last;

    Built(String first, String last) {
      this.first = first;
      this.last = last;
    }

    public String getFirst() {
      return first;
    }

    public String getLast() {
      return last;
    }

    public String getFullName() {
      return first + " " + last;
    }

    /** The builder Jackson binds to. */
    @JsonPOJOBuilder(withPrefix = "")
    public static final class Builder {
      private String first;
      private String last;

      public Builder first(String v) {
        first = v;
        return this;
      }

      public Builder last(String v) {
        last = v;
        return this;
      }

      public Built build() {
        return new Built(first, last);
      }
    }
  }

  /**
   * UnknownFields Javadoc: a property the type writes but cannot set "is not unknown: Json.write
   * writes it, and it is skipped under either policy, so Json.parse reads back what Json.write
   * writes". For a builder-based type Jackson hands UnknownFieldSkipper the builder, whose
   * introspection has no written-only properties, so the built type's derived getter is
   * UNKNOWN_FIELD.
   */
  @Test
  void builderBasedTypeWithADerivedGetter_readsBackItsOwnWriteWithUnknownFieldsDeadLetter()
      throws Exception {
    byte[] json = new JsonRecordWriter<>(Built.class, false).writeBytes(new Built("Ada", "L"));
    JsonRecordReader<Built> reader =
        ReaderFixtures.of(Built.class).unknown(UnknownFields.DEAD_LETTER).reader();

    assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"fullName\":\"Ada L\"");
    Built read = reader.read(json);
    assertThat(read.getFirst()).isEqualTo("Ada");
    assertThat(read.getLast()).isEqualTo("L");
    // other fields stay unknown
    assertThat(rejection(reader, "{\"first\":\"Ada\",\"last\":\"L\",\"middle\":\"B\"}"))
        .hasMessageStartingWith("UNKNOWN_FIELD:");
  }
}
