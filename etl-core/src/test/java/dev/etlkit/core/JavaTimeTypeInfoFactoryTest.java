package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.junit.jupiter.api.Test;

class JavaTimeTypeInfoFactoryTest {

  /** Without the factories these fields would be Kryo types. */
  public record Plain(LocalDate day) {}

  public record Annotated(
      @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDate day,
      @TypeInfo(JavaTimeTypeInfoFactory.class) LocalTime time,
      @TypeInfo(JavaTimeTypeInfoFactory.class) LocalDateTime at) {}

  @Test
  void plainLocalDateField_isAKryoTypeInFlink() {
    PojoTypeInfo<Plain> type = (PojoTypeInfo<Plain>) TypeInformation.of(Plain.class);

    assertThat(type.getTypeAt("day")).isInstanceOf(GenericTypeInfo.class);
  }

  @Test
  void annotatedFields_useFlinksJavaTimeTypes() {
    PojoTypeInfo<Annotated> type = (PojoTypeInfo<Annotated>) TypeInformation.of(Annotated.class);

    assertThat((Object) type.getTypeAt("day")).isEqualTo(Types.LOCAL_DATE);
    assertThat((Object) type.getTypeAt("time")).isEqualTo(Types.LOCAL_TIME);
    assertThat((Object) type.getTypeAt("at")).isEqualTo(Types.LOCAL_DATE_TIME);
  }
}
