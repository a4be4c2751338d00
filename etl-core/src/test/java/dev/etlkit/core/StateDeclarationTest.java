package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.ListSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.common.typeutils.base.MapSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.api.Test;

/** The serializer a declaration gives, which {@link SavepointCheck} compares with a savepoint's. */
class StateDeclarationTest {

  private static final SerializerConfig CONFIG = new ExecutionConfig().getSerializerConfig();

  @Test
  void value_list_andMap_giveTheSerializersTheirDescriptorsMake_withoutTtl() {
    assertThat(serializer(StateDeclaration.value("v", Types.LONG).withTtl(Duration.ofDays(1))))
        .isEqualTo(LongSerializer.INSTANCE);
    assertThat(serializer(StateDeclaration.list("l", Types.STRING)))
        .isEqualTo(new ListSerializer<>(StringSerializer.INSTANCE));
    assertThat(serializer(StateDeclaration.map("m", Types.STRING, Types.LONG)))
        .isEqualTo(new MapSerializer<>(StringSerializer.INSTANCE, LongSerializer.INSTANCE));
  }

  @Test
  void aStateHasOneTtl_theLastDeclaredOfEitherKindReplacesTheOther() {
    StateDeclaration state = StateDeclaration.value("v", Types.LONG);
    StateDeclaration byTimers = state.withTtl(Duration.ofDays(1)).withTimerTtl(Duration.ofHours(2));
    StateDeclaration byFlink = state.withTimerTtl(Duration.ofHours(2)).withTtl(Duration.ofDays(1));

    assertThat(byTimers.ttl()).contains(Duration.ofHours(2));
    assertThat(byTimers.hasFlinkStateTtl()).isFalse();
    assertThat(byFlink.ttl()).contains(Duration.ofDays(1));
    assertThat(byFlink.hasFlinkStateTtl()).isTrue();
    assertThat(byFlink.withTimerTtl(null).ttl()).isEmpty();
    assertThat(byFlink.withTimerTtl(null).hasFlinkStateTtl()).isFalse();
  }

  @Test
  void aDeclarationInWords_givesNone_untilItsTypeIsGiven_andPrintsAsGiven() {
    StateDeclaration inWords =
        StateDeclaration.of("cursor", StateDeclaration.Kind.VALUE, "Cursor<Customer>");
    StateDeclaration typed = inWords.withStateType(Types.LONG).withGrowth("one per key");

    assertThat(inWords.stateSerializer(CONFIG)).isEmpty();
    assertThat(serializer(typed)).isEqualTo(LongSerializer.INSTANCE);
    assertThat(typed.valueType()).isEqualTo("Cursor<Customer>");
    assertThat(
            serializer(
                StateDeclaration.of("held", StateDeclaration.Kind.LIST, "rows")
                    .withStateType(Types.STRING)))
        .isEqualTo(new ListSerializer<>(StringSerializer.INSTANCE));
  }

  @Test
  void withUnionDistribution_marksAListState_andIsForListStatesOnly() {
    StateDeclaration split = StateDeclaration.list("marks", Types.LONG).withGrowth("one a subtask");
    StateDeclaration union = split.withUnionDistribution();

    assertThat(split.isUnionDistribution()).isFalse();
    assertThat(union.isUnionDistribution()).isTrue();
    assertThat(union).isNotEqualTo(split);
    assertThat(union.withGrowth("one a subtask").withTtl(null)).isEqualTo(union);
    assertThatThrownBy(() -> StateDeclaration.value("v", Types.LONG).withUnionDistribution())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'v'")
        .hasMessageContaining("VALUE");
  }

  @Test
  void withStateType_isForValueAndListStatesOnly() {
    assertThatThrownBy(
            () ->
                StateDeclaration.of("timers", StateDeclaration.Kind.TIMERS, "event time")
                    .withStateType(Types.LONG))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timers")
        .hasMessageContaining("TIMERS");
    assertThatThrownBy(
            () -> StateDeclaration.map("m", Types.STRING, Types.LONG).withStateType(Types.LONG))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void blankTexts_areRejected_namingTheOptionAndTheValue() {
    assertThatThrownBy(() -> StateDeclaration.value(" ", Types.LONG))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("state name must not be blank, was ' '");
    assertThatThrownBy(() -> StateDeclaration.list(null, Types.LONG))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("state name must not be blank, was null");
    assertThatThrownBy(() -> StateDeclaration.of("cursor", StateDeclaration.Kind.VALUE, ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("valueType must not be blank, was ''");
    assertThatThrownBy(() -> StateDeclaration.value("v", Types.LONG).withGrowth("\t"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("growth must not be blank, was '\t'");
  }

  private static TypeSerializer<?> serializer(StateDeclaration declaration) {
    return declaration.stateSerializer(CONFIG).orElseThrow();
  }
}
