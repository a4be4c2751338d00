package dev.etlkit.operators.json.internal;

import static dev.etlkit.operators.json.internal.ReaderFixtures.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.UnknownFields;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Edges of {@code UnknownFields.DEAD_LETTER} with Jackson builders found by a review on 2026-11-24,
 * each failing before that day's fix: a type built by a builder declared outside it ({@link
 * Contact}, built by the top-level {@link ContactBuilder}) could not read back its own written-only
 * (getter-only) properties, at the top level or nested, because the built type was found only for a
 * builder nested in it. Truly unknown fields are still dead letters.
 */
class JsonTopLevelBuilderReadBackTest {

  /** A POJO holding a builder-built type. */
  public static class Card {
    public String id;
    public Contact contact;
  }

  private static JsonRecordException rejection(JsonRecordReader<?> reader, String json) {
    JsonRecordException e =
        catchThrowableOfType(JsonRecordException.class, () -> reader.read(utf8(json)));
    assertThat(e).as("expected a rejection of %s", json).isNotNull();
    return e;
  }

  @Test
  void topLevelBuilderType_readsBackItsOwnWrite_withUnknownFieldsDeadLetter() throws Exception {
    byte[] json = new JsonRecordWriter<>(Contact.class, false).writeBytes(new Contact("ada@x.org"));
    JsonRecordReader<Contact> reader =
        ReaderFixtures.of(Contact.class).unknown(UnknownFields.DEAD_LETTER).reader();

    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo("{\"email\":\"ada@x.org\",\"domain\":\"x.org\"}");
    // Before: "UNKNOWN_FIELD: unknown field in ContactBuilder at $".
    assertThat(reader.read(json).getEmail()).isEqualTo("ada@x.org");
    assertThat(rejection(reader, "{\"email\":\"ada@x.org\",\"phone\":\"1\"}"))
        .hasMessage("UNKNOWN_FIELD: unknown field in ContactBuilder at $");
  }

  @Test
  void nestedTopLevelBuilderType_readsBackItsOwnWrite_withUnknownFieldsDeadLetter()
      throws Exception {
    Card card = new Card();
    card.id = "c-1";
    card.contact = new Contact("ada@x.org");
    byte[] json = new JsonRecordWriter<>(Card.class, false).writeBytes(card);
    JsonRecordReader<Card> reader =
        ReaderFixtures.of(Card.class).unknown(UnknownFields.DEAD_LETTER).reader();

    Card read = reader.read(json);

    assertThat(read.id).isEqualTo("c-1");
    assertThat(read.contact.getEmail()).isEqualTo("ada@x.org");
    assertThat(
            rejection(reader, "{\"id\":\"c-1\",\"contact\":{\"email\":\"a@b\",\"phone\":\"1\"}}"))
        .hasMessage("UNKNOWN_FIELD: unknown field in ContactBuilder at $.contact");
    // A written-only name of the built type is skipped in that type only.
    assertThat(rejection(reader, "{\"id\":\"c-1\",\"domain\":\"x.org\"}"))
        .hasMessage("UNKNOWN_FIELD: unknown field in Card at $");
  }
}
