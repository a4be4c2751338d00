package dev.etlkit.benchmarks.dedup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.utils.TypeInfoDataTypeConverter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link SqlPojos#STRUCTURED} against the type {@code fromDataStream(DataStream<BenchRow>)} derives
 * from the stream's {@code PojoTypeInfo} with {@link TypeInfoDataTypeConverter} (Flink 2.2.1 {@code
 * SchemaTranslator}). A second review on 2026-11-24 found the conversion classes differed (boxed
 * {@code Long} where Flink bridges to {@code long}); the field order differs on purpose (documented
 * on {@link SqlPojos#STRUCTURED}).
 */
class SqlPojosTypeTest {

  private static DataType derived;

  @BeforeAll
  static void deriveAsFromDataStreamDoes() {
    // the factory is only consulted for RAW types; BenchRow has none
    derived = TypeInfoDataTypeConverter.toDataType(null, TypeInformation.of(BenchRow.class));
    conversionClasses(SqlPojos.STRUCTURED);
  }

  private static DataType derivedByFromDataStream() {
    return derived;
  }

  @Test
  void structuredType_hasTheFieldsFromDataStreamDerives_inTheBenchmarksRowOrder() {
    assertThat(DataType.getFieldNames(derivedByFromDataStream()))
        .containsExactly("key", "payload", "version");
    assertThat(DataType.getFieldNames(SqlPojos.STRUCTURED))
        .containsExactly("key", "version", "payload");
  }

  @Test
  void structuredType_hasTheConversionClassesFromDataStreamDerives() {
    assertThat(conversionClasses(SqlPojos.STRUCTURED))
        .containsExactlyInAnyOrderElementsOf(conversionClasses(derivedByFromDataStream()));
  }

  private static List<String> conversionClasses(DataType type) {
    List<String> names = DataType.getFieldNames(type);
    List<DataType> fields = DataType.getFieldDataTypes(type);
    return java.util.stream.IntStream.range(0, names.size())
        .mapToObj(i -> names.get(i) + ":" + fields.get(i).getConversionClass().getName())
        .collect(Collectors.toList());
  }
}
