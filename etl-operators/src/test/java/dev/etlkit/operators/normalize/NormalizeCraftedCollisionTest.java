package dev.etlkit.operators.normalize;

import static dev.etlkit.operators.normalize.NormalizeHarnesses.DEAD_LETTERS;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.checker;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.normalizer;
import static dev.etlkit.operators.normalize.NormalizeHarnesses.stringCheck;
import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.testkit.OperatorHarness;
import dev.etlkit.testkit.StateBackendKind;
import java.util.stream.Stream;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A row crafted to have the unkeyed hash of the live row (free text chosen by whoever writes a row:
 * {@link LegacyHashCollisions}) no longer passes for the live row: the row hashes kept in state are
 * keyed. Before keyed hashes, the projected normalizer dropped such a change as a no-op and the
 * full changelog check let such a retraction of another row pass.
 */
class NormalizeCraftedCollisionTest {

  private static final Customer ADA =
      new Customer("c1", "Ada, wrote the first published computer program", "ada@one", 1);

  private static final String LIVE = "k1#order 4711 note: please deliver to the back door, thanks";

  static Stream<Arguments> backendsAndSequences() {
    return Stream.of(StateBackendKind.values())
        .flatMap(backend -> Stream.of(Arguments.of(backend, false), Arguments.of(backend, true)));
  }

  @ParameterizedTest(name = "{0}, versioned={1}")
  @MethodSource("backendsAndSequences")
  void projected_aCraftedRowWithTheLegacyHashOfTheLiveRow_isAnUpdate(
      StateBackendKind backend, boolean versioned) throws Exception {
    TypeSerializer<Customer> serializer =
        Customer.TYPE.createSerializer(new ExecutionConfig().getSerializerConfig());
    Customer crafted = LegacyHashCollisions.colliding(ADA, ADA.name(), serializer);
    assertThat(crafted).isNotEqualTo(ADA);
    assertThat(crafted.name()).isNotEqualTo(ADA.name());
    assertThat(crafted).isEqualTo(new Customer("c1", crafted.name(), "ada@one", 1));
    assertThat(LegacyHashCollisions.legacyHash(crafted, serializer))
        .as("the crafted collision")
        .isEqualTo(LegacyHashCollisions.legacyHash(ADA, serializer));

    UpsertNormalize<Customer, String> spec =
        Normalize.upserts("normalize-customers", Customer::id, Types.STRING)
            .withProjectedState(CustomerKey::of, CustomerKey.TYPE, CustomerKey::toCustomer);
    if (versioned) {
      spec = spec.withSequence(ChangeSequence.sourcePosition());
    }
    try (OperatorHarness<Change<Customer>, Change<Customer>> harness =
        normalizer(spec, Customer.TYPE, null).recipe.on(backend).open()) {
      harness.processElement(Change.insert(ADA).withSourcePosition(1), 1);
      harness.processElement(Change.updateAfter(crafted).withSourcePosition(2), 2);

      assertThat(harness.output())
          .as("the crafted row is a change of the live row")
          .containsExactly(
              Change.insert(ADA).withSourcePosition(1),
              Change.updateBefore(new Customer("c1", null, "ada@one", 0)).withSourcePosition(2),
              Change.updateAfter(crafted).withSourcePosition(2));
    }
  }

  @ParameterizedTest
  @EnumSource(StateBackendKind.class)
  void fullChangelogCheck_aCraftedRetractionWithTheLegacyHashOfTheLiveRow_isRejected(
      StateBackendKind backend) throws Exception {
    String crafted = LegacyHashCollisions.colliding(LIVE, LIVE, StringSerializer.INSTANCE);
    assertThat(crafted).isNotEqualTo(LIVE).startsWith("k1#").hasSameSizeAs(LIVE);
    assertThat(LegacyHashCollisions.legacyHash(crafted, StringSerializer.INSTANCE))
        .as("the crafted collision")
        .isEqualTo(LegacyHashCollisions.legacyHash(LIVE, StringSerializer.INSTANCE));

    try (OperatorHarness<Change<String>, Change<String>> harness =
        checker(stringCheck().withFullChangelog(), Types.STRING, null).recipe.on(backend).open()) {
      harness.processElement(Change.insert(LIVE), 1);
      harness.processElement(Change.delete(crafted), 2);
      harness.processElement(Change.delete(LIVE), 3);

      assertThat(harness.output()).containsExactly(Change.insert(LIVE), Change.delete(LIVE));
      assertThat(harness.sideOutput(DEAD_LETTERS))
          .extracting(DeadLetter::errorMessage)
          .containsExactly("retraction does not carry the live row of its key (full changelog)");
    }
  }
}
