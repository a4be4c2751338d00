package dev.etlkit.benchmarks.enrich;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Customer;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Enriched;
import dev.etlkit.benchmarks.enrich.DimensionJoinBenchData.Order;
import dev.etlkit.operators.enrich.JoinStatus;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.table.api.ValidationException;
import org.apache.flink.table.types.DataType;
import org.apache.flink.table.types.extraction.DataTypeExtractor;
import org.apache.flink.table.types.logical.utils.LogicalTypeChecks;
import org.apache.flink.table.types.utils.TypeInfoDataTypeConverter;
import org.junit.jupiter.api.Test;

/**
 * The data types {@link DimensionJoinConversions} declares against the ones Flink 2.2.1 derives:
 * {@code fromDataStream(DataStream<Order>)} from the stream's {@code PojoTypeInfo} ({@link
 * TypeInfoDataTypeConverter}, as {@code SchemaTranslator} does) and {@code
 * DataTypes.of(Order.class)} by reflection ({@link DataTypeExtractor}, as {@code
 * toDataStream(table, Class)} does). Documented differences: the order of {@code Order}'s fields
 * (key first), {@code Enriched}'s status (no data type can be derived for it), and the customer
 * row's time column in place of the version.
 */
class DimensionJoinConversionsTypeTest {

  @Test
  void order_hasTheFieldsFlinkDerives_keyFirst() {
    DataType fromDataStream =
        TypeInfoDataTypeConverter.toDataType(null, TypeInformation.of(Order.class));
    DataType extracted = DataTypeExtractor.extractFromType(null, Order.class);

    assertThat(fields(DimensionJoinConversions.ORDER))
        .containsExactlyInAnyOrderElementsOf(fields(fromDataStream))
        .containsExactlyInAnyOrderElementsOf(fields(extracted));
    assertThat(DataType.getFieldNames(fromDataStream)).containsExactly("amountCents", "customerId");
    assertThat(DataType.getFieldNames(DimensionJoinConversions.ORDER))
        .containsExactly("customerId", "amountCents");
    assertThat(DimensionJoinConversions.ORDER.getConversionClass()).isEqualTo(Order.class);
  }

  /** {@code toDataStream(table, Enriched.class)} cannot derive a type: the job declares one. */
  @Test
  void enriched_cannotBeDerived_becauseOfItsStatus() {
    assertThatThrownBy(() -> DataTypeExtractor.extractFromType(null, Enriched.class))
        .isInstanceOf(ValidationException.class)
        .rootCause()
        .hasMessageContaining(JoinStatus.class.getName());
  }

  /** Each field but the status has the type Flink derives for the field's Java type. */
  @Test
  void enriched_hasItsFieldsButTheStatus_eachAsFlinkDerivesIt() {
    List<String> derivedButStatus = new ArrayList<>();
    for (Field field : Enriched.class.getFields()) {
      if (!Modifier.isStatic(field.getModifiers()) && !field.getName().equals("status")) {
        derivedButStatus.add(
            describe(
                field.getName(), DataTypeExtractor.extractFromType(null, field.getGenericType())));
      }
    }

    assertThat(derivedButStatus).hasSize(2);
    assertThat(fields(DimensionJoinConversions.ENRICHED))
        .containsExactlyInAnyOrderElementsOf(derivedButStatus)
        .containsExactly(
            "amountCents:BIGINT NOT NULL:long", "customerName:STRING:java.lang.String");
    assertThat(DimensionJoinConversions.ENRICHED.getConversionClass()).isEqualTo(Enriched.class);
  }

  /**
   * The customer row's {@code id} and {@code name} have the logical types Flink derives for {@link
   * Customer}'s (a {@code Row}'s fields are objects: {@code Long} where the POJO's is {@code
   * long}), and the row has {@code FLINK_SQL}'s fields (nullable there).
   */
  @Test
  void customerRow_idAndName_asFlinkDerivesThem() {
    DataType derived = DataTypeExtractor.extractFromType(null, Customer.class);
    List<String> derivedFields = new ArrayList<>();
    for (int i = 0; i < DataType.getFieldNames(derived).size(); i++) {
      derivedFields.add(
          DataType.getFieldNames(derived).get(i)
              + ":"
              + DataType.getFieldDataTypes(derived).get(i).getLogicalType());
    }

    assertThat(DataType.getFieldNames(DimensionJoinConversions.CUSTOMER))
        .containsExactly("id", "ts", "name");
    List<DataType> declared = DataType.getFieldDataTypes(DimensionJoinConversions.CUSTOMER);
    assertThat(derivedFields)
        .contains(
            "id:" + declared.get(0).getLogicalType(), "name:" + declared.get(2).getLogicalType());
    // FLINK_SQL's row type leaves every field nullable
    assertThat(LogicalTypeChecks.getFieldTypes(DimensionJoinConversions.CUSTOMER.getLogicalType()))
        .extracting(t -> t.copy(true))
        .isEqualTo(DimensionJoinBenchData.CUSTOMER_ROW.getChildren());
  }

  private static List<String> fields(DataType type) {
    List<String> names = DataType.getFieldNames(type);
    List<DataType> types = DataType.getFieldDataTypes(type);
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      fields.add(describe(names.get(i), types.get(i)));
    }
    return fields;
  }

  private static String describe(String name, DataType type) {
    return name + ":" + type.getLogicalType() + ":" + type.getConversionClass().getName();
  }
}
