package dev.etlkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;

class KryoTypesTest {

  public record Inner(Object anything) {}

  public record Outer(String id, Inner inner, List<Object> items, Map<String, Object> tags) {}

  public record Clean(String id, long count, List<String> names) {}

  @Test
  void genericParts_findsGenericFieldsElementsAndMapValuesAtAnyDepth() {
    assertThat(KryoTypes.genericParts(TypeInformation.of(Outer.class)))
        .extracting(KryoTypes.GenericPart::path)
        .containsExactly("inner.anything", "items[]", "tags{value}");
  }

  @Test
  void genericParts_ofAFullyTypedRecord_isEmpty() {
    assertThat(KryoTypes.genericParts(TypeInformation.of(Clean.class))).isEmpty();
    assertThat(KryoTypes.genericParts(Types.STRING)).isEmpty();
  }

  @Test
  void genericParts_lookInsideChangesAndOtherWrappers() {
    assertThat(KryoTypes.genericParts(Change.typeInfo(TypeInformation.of(Object.class))))
        .extracting(KryoTypes.GenericPart::path)
        .containsExactly("value");
    assertThat(KryoTypes.genericParts(Change.typeInfo(TypeInformation.of(Outer.class))))
        .extracting(KryoTypes.GenericPart::path)
        .containsExactly("value.inner.anything", "value.items[]", "value.tags{value}");
    assertThat(KryoTypes.genericParts(Change.typeInfo(TypeInformation.of(Clean.class)))).isEmpty();
  }

  @Test
  void genericParts_ofAGenericType_isThatTypeWithAnEmptyPath() {
    assertThat(KryoTypes.genericParts(TypeInformation.of(Object.class)))
        .singleElement()
        .satisfies(p -> assertThat(p.path()).isEmpty());
  }
}
