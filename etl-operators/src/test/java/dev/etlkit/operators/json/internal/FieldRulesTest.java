package dev.etlkit.operators.json.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.etlkit.operators.json.Address;
import dev.etlkit.operators.json.Coercion;
import dev.etlkit.operators.json.Line;
import dev.etlkit.operators.json.Order;
import dev.etlkit.operators.json.Reading;
import org.junit.jupiter.api.Test;

/** Which fields are required and which are coerced, decided from the options and the types. */
class FieldRulesTest {

  private static FieldRules rules(ReaderFixtures<?> fixtures) {
    return FieldRules.of(fixtures.config(), JsonTypes.introspector());
  }

  @Test
  void byDefault_primitivesAndAnnotatedFieldsAreRequired_atAnyDepth() {
    FieldRules rules = rules(ReaderFixtures.of(Order.class));

    assertThat(rules.requiredFieldsOf(Order.class)).containsExactly("customerNumber");
    assertThat(rules.requiredFieldsOf(Line.class)).containsExactly("quantity");
    assertThat(rules.requiredFieldsOf(Address.class)).containsExactly("city");
  }

  @Test
  void namedRequiredFields_applyToTheTopLevelOnly() {
    FieldRules rules = rules(ReaderFixtures.of(Order.class).required("orderId", "shipping"));

    assertThat(rules.requiredFieldsOf(Order.class))
        .containsExactlyInAnyOrder("orderId", "customerNumber", "shipping");
    assertThat(rules.requiredFieldsOf(Address.class)).containsExactly("city");
  }

  @Test
  void primitivesNotRequired_leavesAnnotatedAndNamedFields() {
    FieldRules rules =
        rules(ReaderFixtures.of(Order.class).primitivesRequired(false).required("amount"));

    assertThat(rules.requiredFieldsOf(Order.class)).containsExactly("amount");
    assertThat(rules.requiredFieldsOf(Line.class)).isEmpty();
    assertThat(rules.requiredFieldsOf(Address.class)).containsExactly("city");
  }

  @Test
  void noOptions_noRequiredFields_meansNoRulesAtAll() {
    FieldRules rules = rules(ReaderFixtures.of(Reading.class).primitivesRequired(false));

    assertThat(rules.isEmpty()).isTrue();
  }

  @Test
  void stepCoercion_coversCoercibleFieldsAtAnyDepth_only() {
    FieldRules rules = rules(ReaderFixtures.of(Order.class).coercion(Coercion.tryCast()));

    assertThat(rules.coercionOf(Order.class, "amount")).isEqualTo("BigDecimal/NULL");
    assertThat(rules.coercionOf(Order.class, "createdAt")).isEqualTo("Instant/NULL");
    assertThat(rules.coercionOf(Line.class, "quantity")).isEqualTo("int/NULL");
    assertThat(rules.coercionOf(Address.class, "city")).isEqualTo("String/NULL");
    assertThat(rules.coercionOf(Order.class, "status")).isNull(); // enum: not coercible
    assertThat(rules.coercionOf(Order.class, "lines")).isNull();
  }

  @Test
  void fieldCoercion_overridesTheStepCoercion_andCastsItsDefault() {
    FieldRules rules =
        rules(
            ReaderFixtures.of(Reading.class)
                .coercion(Coercion.tryCast().orDeadLetter())
                .fieldCoercion("total", Coercion.tryCast().orDefault("-1"))
                .fieldCoercion("label", Coercion.none()));

    assertThat(rules.coercionOf(Reading.class, "count")).isEqualTo("int/DEAD_LETTER");
    assertThat(rules.coercionOf(Reading.class, "total")).isEqualTo("long/DEFAULT/-1");
    assertThat(rules.coercionOf(Reading.class, "label")).isNull();
  }

  @Test
  void fieldCoercion_ofANonCoercibleField_isRejected() {
    assertThatThrownBy(
            () -> rules(ReaderFixtures.of(Order.class).fieldCoercion("status", Coercion.tryCast())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(
            "fieldCoercion: field 'status' of Order has type Status, which cannot be coerced");
  }

  @Test
  void fieldCoercionDefault_thatDoesNotFit_isRejected() {
    assertThatThrownBy(
            () ->
                rules(
                    ReaderFixtures.of(Reading.class)
                        .fieldCoercion("day", Coercion.tryCast().orDefault(true))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "fieldCoercion: default true (Boolean) does not fit field 'day' of Reading"
                + " (LocalDate)");
  }

  @Test
  void knownNames_holdEveryPropertyNameOfTheTypeGraph() {
    FieldRules rules = rules(ReaderFixtures.of(Order.class));

    assertThat(rules.knownNames()).contains("orderId", "lines", "sku", "city", "tags");
  }
}
