package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLetterTest {

  private static DeadLetter.Builder letter() {
    return DeadLetter.builder()
        .step(new StepIdentity("orders", "parse", "orders/parse"))
        .error(new IllegalArgumentException("bad number"));
  }

  @Test
  void payloadOf_aRawRecord_isItsValueBytes_aTombstoneNone() {
    DeadLetter record =
        letter().payloadOf(new RawRecord(null, new byte[] {1, 2}, null, null)).build();
    DeadLetter tombstone =
        letter().payloadOf(new RawRecord(new byte[] {3}, null, null, null)).build();

    // Before, RawRecord.toString() (sizes only) was the payload: nothing to replay.
    assertThat(record.payloadBytes()).containsExactly(1, 2);
    assertThat(tombstone.payloadBytes()).isNull();
    assertThat(tombstone.payloadText()).isNull();
  }

  @Test
  void errorMessage_overLimit_isCutAndMarked() {
    // A user function's exception may quote a whole document; a dead letter must stay small enough
    // for its sink (a Kafka topic refuses records over max.message.bytes, failing the job).
    String huge = "é".repeat(100_000); // 200,000 UTF-8 bytes
    DeadLetter fromError = letter().error(new IllegalArgumentException(huge)).build();
    DeadLetter set = letter().errorMessage(huge).build();
    String small = "x".repeat(8 * 1024);

    for (DeadLetter l : new DeadLetter[] {fromError, set}) {
      assertThat(l.errorMessage())
          .startsWith("éé")
          .endsWith("é [cut]")
          .hasSize(8 * 1024 / 2 + " [cut]".length()); // é is 2 bytes
    }
    assertThat(letter().errorMessage(small).build().errorMessage()).isEqualTo(small);
  }

  @Test
  void payloadBytes_overLimit_areCutAndFlagged() {
    DeadLetter l = letter().payload(new byte[] {1, 2, 3, 4, 5}, 3).build();

    assertThat(l.payloadBytes()).containsExactly(1, 2, 3);
    assertThat(l.payloadTruncated()).isTrue();
    assertThat(l.payloadText()).isNull();
  }

  @Test
  void payloadText_overLimit_isCutOnACharacterBoundary() {
    // "é" takes two UTF-8 bytes: a 3-byte limit keeps "aé" and never half a character.
    DeadLetter l = letter().payload("aéb", 3).build();

    assertThat(l.payloadText()).isEqualTo("aé");
    assertThat(l.payloadTruncated()).isTrue();
  }

  @Test
  void payloadText_withinLimit_isKeptWhole() {
    DeadLetter l = letter().payload("{\"id\":1}").build();

    assertThat(l.payloadText()).isEqualTo("{\"id\":1}");
    assertThat(l.payloadTruncated()).isFalse();
    assertThat(l.payloadAsText()).isEqualTo("{\"id\":1}");
  }

  @Test
  void payloadOf_bytes_keepsBytes() {
    byte[] raw = "x".getBytes(StandardCharsets.UTF_8);

    assertThat(letter().payloadOf(raw).build().payloadBytes()).isEqualTo(raw);
  }

  /** A record whose {@code toString} breaks, as a bad record's often does. */
  private static final class Unprintable {
    @Override
    public String toString() {
      throw new IllegalStateException("half-built record");
    }
  }

  @Test
  void payloadOf_aRecordWhoseToStringThrows_isANoteNamingItsClass_notAnException() {
    // The async lookup builds its dead letters with payloadOf: an exception here killed the job
    // instead of dead-lettering the record.
    DeadLetter l = letter().payloadOf(new Unprintable()).build();

    assertThat(l.payloadText())
        .isEqualTo(
            "<no text form: "
                + Unprintable.class.getName()
                + ".toString() threw java.lang.IllegalStateException>");
  }

  /** A record whose {@code toString} gives null (as a Kotlin or Java toString may). */
  private static final class Textless {
    @Override
    public String toString() {
      return null;
    }
  }

  @Test
  void payloadOf_aRecordWhoseToStringIsNull_isANoteNamingItsClass_notNoPayload() {
    // No payload would read as "the record was null": the dead letter would say nothing of it.
    DeadLetter l = letter().payloadOf(new Textless()).build();

    assertThat(l.payloadText())
        .isEqualTo("<no text form: " + Textless.class.getName() + ".toString() returned null>");
  }

  @Test
  void payloadOf_anArrayRecord_isItsElements_notItsIdentityHash() {
    // A String[] row (a CSV line split into fields) printed as "[Ljava.lang.String;@6d06d69c":
    // the dead letter said nothing of the record, and could not be replayed.
    DeadLetter strings = letter().payloadOf(new String[] {"42", "x"}).build();
    DeadLetter ints = letter().payloadOf(new int[] {1, 2}).build();
    DeadLetter nested = letter().payloadOf(new Object[] {"a", new long[] {3L}}).build();

    assertThat(strings.payloadText()).isEqualTo("[42, x]");
    assertThat(ints.payloadText()).isEqualTo("[1, 2]");
    assertThat(nested.payloadText()).isEqualTo("[a, [3]]");
  }

  @Test
  void payloadAsBytes_textPayload_isItsUtf8() {
    DeadLetter l = letter().payloadOf(new StringBuilder("Order[id=ö-1]")).build();

    assertThat(l.payloadBytes()).isNull();
    assertThat(l.payloadAsBytes()).isEqualTo("Order[id=ö-1]".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void payloadAsBytes_bytesPayload_isACopyOfTheBytes() {
    byte[] raw = {1, (byte) 0xff, 3};
    DeadLetter l = letter().payload(raw).build();

    byte[] bytes = l.payloadAsBytes();
    assertThat(bytes).isEqualTo(raw);
    bytes[0] = 9;
    assertThat(l.payloadAsBytes()).as("the letter is immutable").isEqualTo(raw);
  }

  @Test
  void payloadAsBytes_noPayload_isNull() {
    assertThat(letter().payload((String) null).build().payloadAsBytes()).isNull();
  }

  @Test
  void error_keepsClassAndMessage() {
    DeadLetter l = letter().build();

    assertThat(l.errorClass()).isEqualTo("java.lang.IllegalArgumentException");
    assertThat(l.errorMessage()).isEqualTo("bad number");
    assertThat(l.uid()).isEqualTo("orders/parse");
    assertThat(l.attempt()).isEqualTo(1);
  }

  @Test
  void toString_neverPrintsThePayload() {
    DeadLetter l = letter().payload("password=hunter2").build();

    assertThat(l.toString()).doesNotContain("hunter2").contains("orders/parse");
  }

  @Test
  void build_withoutStep_failsNamingTheField() {
    assertThatThrownBy(() -> DeadLetter.builder().errorClass("X").build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("pipeline must not be empty");
  }

  @Test
  void payloadLimit_negative_failsNamingIt_forBytesAndTextAlike() {
    assertThatThrownBy(() -> letter().payload(new byte[] {1, 2}, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPayloadBytes must be >= 0, was -1");
    assertThatThrownBy(() -> letter().payload("ab", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxPayloadBytes must be >= 0, was -1");
    assertThat(letter().payload(new byte[] {1, 2}, 0).build().payloadBytes()).isEmpty();
    assertThat(letter().payload("ab", Integer.MAX_VALUE).build().payloadText()).isEqualTo("ab");
  }

  @Test
  void attempt_belowOne_fails() {
    assertThatThrownBy(() -> letter().attempt(0).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("attempt must be >= 1, was 0");
  }
}
