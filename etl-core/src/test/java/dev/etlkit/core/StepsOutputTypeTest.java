package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.junit.jupiter.api.Test;

/** {@link Steps#map}'s output type is checked for Kryo parts when the step is made. */
class StepsOutputTypeTest {

  @Test
  void map_genericOutputType_isRejectedNamingTheStep() {
    assertThatThrownBy(
            () -> Steps.map("opaque", s -> (Object) s, new GenericTypeInfo<>(Object.class)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output type of step 'opaque'")
        .hasMessageContaining("the type java.lang.Object would be serialized with Kryo");
  }

  @Test
  void map_outputTypeWithAGenericElement_isRejectedNamingWhere() {
    assertThatThrownBy(
            () ->
                Steps.map(
                    "tags",
                    s -> java.util.List.<Object>of(s),
                    Types.LIST(new GenericTypeInfo<>(Object.class))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("output type of step 'tags'")
        .hasMessageContaining("field '[]' of type java.lang.Object would be serialized with Kryo");
  }

  @Test
  void map_fullyTypedOutputType_isAccepted() {
    assertThat(Steps.map("length", String::length, Types.INT).name()).isEqualTo("length");
  }
}
