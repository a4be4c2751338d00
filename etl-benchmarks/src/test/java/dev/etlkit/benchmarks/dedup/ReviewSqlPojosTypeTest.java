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
 * Review of {@link SqlPojos#STRUCTURED}, documented as "{@link BenchRow} as the structured type
 * {@code fromDataStream} derives for it", the type whose converter {@code FLINK_SQL_FROM_POJO}
 * generates to measure {@code fromDataStream} / {@code toDataStream(table, BenchRow.class)}.
 *
 * <p>{@code fromDataStream(DataStream<BenchRow>)} derives the type from the stream's {@code
 * PojoTypeInfo} with {@link TypeInfoDataTypeConverter} (Flink 2.2.1 {@code SchemaTranslator}):
 * fields in {@code PojoTypeInfo}'s alphabetical order (BenchRow has no public all-fields
 * constructor to take the order from) and the primitive {@code long} fields bridged to {@code
 * long}. The hand-written type has another field order and boxed conversion classes, so the
 * converter the benchmark compiles is not the one a job runs.
 */
class ReviewSqlPojosTypeTest {

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
  void structuredType_hasTheFieldOrderFromDataStreamDerives() {
    assertThat(DataType.getFieldNames(SqlPojos.STRUCTURED))
        .containsExactlyElementsOf(DataType.getFieldNames(derivedByFromDataStream()));
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
