package dev.etlkit.operators.avro.internal;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The records' serializer against Flink's serializer contract, over records of decimals: its writer
 * reuses one buffer per writer for them, so duplicates, which Flink's test runs in parallel
 * threads, must not share it.
 */
class AvroRecordSerializerContractTest extends SerializerTestBase<GenericRecord> {

  private static final Schema SCHEMA =
      new Schema.Parser()
          .parse(
              "{\"type\":\"record\",\"name\":\"Amounts\",\"fields\":["
                  + "{\"name\":\"cents\",\"type\":{\"type\":\"bytes\",\"logicalType\":\"decimal\","
                  + "\"precision\":18,\"scale\":2}},"
                  + "{\"name\":\"fine\",\"type\":{\"type\":\"fixed\",\"name\":\"F8\",\"size\":8,"
                  + "\"logicalType\":\"decimal\",\"precision\":18,\"scale\":9}},"
                  + "{\"name\":\"maybe\",\"type\":[\"null\",\"F8\"]},"
                  + "{\"name\":\"many\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"bytes\","
                  + "\"logicalType\":\"decimal\",\"precision\":38,\"scale\":4}}}]}");

  @Override
  protected TypeSerializer<GenericRecord> createSerializer() {
    return new AvroRecordSerializer<>(RecordModel.generic(SCHEMA), null);
  }

  @Override
  protected int getLength() {
    return -1;
  }

  @Override
  protected Class<GenericRecord> getTypeClass() {
    return GenericRecord.class;
  }

  @Override
  protected GenericRecord[] getTestData() {
    List<GenericRecord> records = new ArrayList<>();
    long[] unscaled = {
      0,
      1,
      -1,
      127,
      -128,
      32_768,
      -9_999_999_999L,
      123_456_789_012_345L,
      999_999_999_999_999_999L,
      -999_999_999_999_999_999L
    };
    for (int i = 0; i < unscaled.length; i++) {
      long u = unscaled[i];
      GenericRecord record = new AvroData.Record(SCHEMA);
      record.put("cents", BigDecimal.valueOf(u, 2));
      record.put("fine", BigDecimal.valueOf(-u, 9));
      record.put("maybe", i % 2 == 0 ? null : BigDecimal.valueOf(u / 7, 9));
      record.put(
          "many",
          Arrays.asList(
              BigDecimal.valueOf(u, 4),
              new BigDecimal(BigInteger.valueOf(u).pow(2), 4),
              BigDecimal.valueOf(i, 4)));
      records.add(record);
    }
    return records.toArray(new GenericRecord[0]);
  }
}
