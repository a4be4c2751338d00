package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class RawRecordTest {

  @Test
  void typeInfo_isAPojoNotKryo() {
    assertThat(RawRecord.TYPE_INFO).isInstanceOf(PojoTypeInfo.class);
  }

  @Test
  void serializer_roundTripsATombstone() throws Exception {
    SerializerConfigImpl config = new SerializerConfigImpl();
    config.setGenericTypes(false);
    TypeSerializer<RawRecord> serializer = RawRecord.TYPE_INFO.createSerializer(config);
    RawRecord tombstone =
        new RawRecord("k1".getBytes(StandardCharsets.UTF_8), null, "customers/0@7", 1000L);

    DataOutputSerializer out = new DataOutputSerializer(64);
    serializer.serialize(tombstone, out);
    RawRecord back = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

    assertThat(back).isEqualTo(tombstone);
    assertThat(back.isTombstone()).isTrue();
  }

  @Test
  void toString_showsSizesNotBytes() {
    RawRecord r = new RawRecord(null, "secret".getBytes(StandardCharsets.UTF_8), null, null);

    assertThat(r.toString()).doesNotContain("secret").contains("6 bytes");
  }
}
