package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import dev.etlkit.operators.json.UnknownFields;
import org.junit.jupiter.api.Test;

/**
 * A builder that two types of the graph are read through (a base class and the subclass it builds)
 * counts the written-only properties of both as known. Found by a second review on 2026-11-24:
 * before its fix, FieldRules kept one built type per builder class, the last visited, and the
 * other's written-only properties were unknown fields under {@code DEAD_LETTER}.
 */
class SharedBuilderReadBackTest {

  /** Read through {@link LabelBuilder}; its subtype {@link Label} inherits the annotation. */
  @JsonDeserialize(builder = LabelBuilder.class)
  public static class Tag {
    final String name;

    Tag(String name) {
      this.name = name;
    }

    public String getName() {
      return name;
    }
  }

  /** Built by the same builder, with a derived getter that is written and never bound. */
  public static class Label extends Tag {
    Label(String name) {
      super(name);
    }

    public String getUpper() {
      return name.toUpperCase(java.util.Locale.ROOT);
    }
  }

  /** One builder for both types: it builds a {@link Label}, which is a {@link Tag} too. */
  @JsonPOJOBuilder(withPrefix = "")
  public static class LabelBuilder {
    private String name;

    public LabelBuilder name(String value) {
      name = value;
      return this;
    }

    public Label build() {
      return new Label(name);
    }
  }

  /** Holds both types; the Tag field is visited last. */
  public static class Sticker {
    public Label label;
    public Tag tag;
  }

  @Test
  void builderSharedByTwoTypes_readsBackItsOwnWrite_withUnknownFieldsDeadLetter() throws Exception {
    Sticker sticker = new Sticker();
    sticker.label = new Label("a");
    byte[] json = new JsonRecordWriter<>(Sticker.class, false).writeBytes(sticker);
    assertThat(new String(json, java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("{\"label\":{\"name\":\"a\",\"upper\":\"A\"},\"tag\":null}");
    JsonRecordReader<Sticker> reader =
        ReaderFixtures.of(Sticker.class).unknown(UnknownFields.DEAD_LETTER).reader();

    // "upper" is a written-only property of Label, read through LabelBuilder; the rules recorded
    // LabelBuilder -> Tag (visited after Label), so it is rejected as an unknown field.
    Sticker read = reader.read(json);

    assertThat(read.label.getName()).isEqualTo("a");
  }
}
