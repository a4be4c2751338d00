package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.internal.Allocations;
import dev.etlkit.operators.json.JsonRecordException;
import dev.etlkit.operators.json.Shipment;
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
    assertThat(limited.writeBytes(SMALL))
        .isEqualTo(new JsonRecordWriter<>(Shipment.class, false).writeBytes(SMALL));
  }
}
