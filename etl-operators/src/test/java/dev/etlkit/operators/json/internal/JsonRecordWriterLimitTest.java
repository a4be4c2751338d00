package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.internal.Allocations;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.Shipment;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The writer's size limit: a record written over it is refused, without being kept whole. */
class JsonRecordWriterLimitTest {

  private static final Shipment SMALL = new Shipment("s-1", 1, 2.5, null);

  @Test
  void writeBytes_aRecordFarOverTheLimit_isRefusedWithItsExactSize_allocatingNoCopyOfIt()
      throws Exception {
    // 8 MiB of id refused at 64 KiB: what the writer allocates is about the limit, not the record
    Shipment huge = new Shipment("x".repeat(8 << 20), 1, 2.5, null);
    int size = new JsonRecordWriter<>(Shipment.class, false).writeBytes(huge).length;
    JsonRecordWriter<Shipment> limited = new JsonRecordWriter<>(Shipment.class, false, 64 << 10);
    limited.writeBytes(SMALL); // its serializers exist

    long before = Allocations.ofCurrentThread();
    assertThatThrownBy(() -> limited.writeBytes(huge, 100))
        .isInstanceOf(JsonRecordException.class)
        .hasMessage(
            "TOO_LARGE: Shipment written as JSON has "
                + size
                + " bytes and its key 100, over maxBytes 65536");
    long allocated = Allocations.ofCurrentThread() - before;

    assertThat(allocated).as("bytes allocated for an 8 MiB record").isLessThan(1 << 20);
    assertThat(limited.retainedBytes()).as("the buffer's growth").isLessThanOrEqualTo(64 << 10);
    assertThat(limited.writeBytes(SMALL))
        .isEqualTo(new JsonRecordWriter<>(Shipment.class, false).writeBytes(SMALL));
  }

  @Test
  void writeBytes_withAKey_atTheLimitExactly_isWritten_oneByteOver_isRefused() throws Exception {
    byte[] json = new JsonRecordWriter<>(Shipment.class, false).writeBytes(SMALL);
    int limit = json.length + 10;
    JsonRecordWriter<Shipment> writer = new JsonRecordWriter<>(Shipment.class, false, limit);

    assertThat(writer.writeBytes(SMALL, 10)).isEqualTo(json);
    assertThatThrownBy(() -> writer.writeBytes(SMALL, 11))
        .isInstanceOf(JsonRecordException.class)
        .hasMessage(
            "TOO_LARGE: Shipment written as JSON has "
                + json.length
                + " bytes and its key 11, over maxBytes "
                + limit);
    assertThatThrownBy(() -> writer.writeBytes(SMALL, limit + 1)) // the key alone is over
        .isInstanceOf(JsonRecordException.class)
        .hasMessage(
            "TOO_LARGE: Shipment written as JSON has "
                + json.length
                + " bytes and its key "
                + (limit + 1)
                + ", over maxBytes "
                + limit);
    assertThat(writer.writeBytes(SMALL)).isEqualTo(json);
  }

  @Test
  void writeText_multiByteAndSurrogates_atEveryLimitAroundTheirSize() throws Exception {
    // the limit falls inside a 2-, 3- and 4-byte character and on an unpaired surrogate in turn
    Shipment shipment = new Shipment("ä€\uD83D\uDE00\uD800z".repeat(3), 1, 2.5, null);
    JsonRecordWriter<Shipment> unlimited = new JsonRecordWriter<>(Shipment.class, false);
    byte[] json = unlimited.writeBytes(shipment);
    String text = unlimited.writeText(shipment);
    assertThat(text).isEqualTo(new String(json, StandardCharsets.UTF_8));

    for (int limit = json.length - 30; limit <= json.length + 1; limit++) {
      JsonRecordWriter<Shipment> writer = new JsonRecordWriter<>(Shipment.class, false, limit);
      if (json.length <= limit) {
        assertThat(writer.writeText(shipment)).isEqualTo(text);
        assertThat(writer.writeBytes(shipment)).isEqualTo(json);
      } else {
        assertThatThrownBy(() -> writer.writeText(shipment))
            .hasMessage(
                "TOO_LARGE: Shipment written as JSON has "
                    + json.length
                    + " bytes, over maxBytes "
                    + limit);
      }
    }
  }
}
