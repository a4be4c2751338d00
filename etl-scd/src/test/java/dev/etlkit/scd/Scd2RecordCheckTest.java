package dev.etlkit.scd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.ErrorHandler;
import dev.etlkit.core.ErrorPolicy;
import dev.etlkit.core.EtlException;
import dev.etlkit.core.StepIdentity;
import dev.etlkit.scd.Scd2RecordValueITCase.Price;
import dev.etlkit.scd.internal.Scd2RecordCheck;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The check before the SCD2 step's shuffle (its MiniCluster jobs: Scd2RecordValueITCase): which
 * changes holding a tuple the shuffle cannot write it filters, which it dead-letters and why, and
 * that the step's error policy holds there too. Stateless: no state backend is involved.
 */
class Scd2RecordCheckTest {

  private static final TypeInformation<Change<Price>> CHANGES =
      Change.typeInfo(Scd2RecordValueITCase.PRICE);

  private static final TypeSerializer<Change<Price>> SERIALIZER =
      CHANGES.createSerializer(new SerializerConfigImpl());

  private static final StepIdentity STEP = new StepIdentity("pay", "prices", "pay/prices");

  private static Scd2RecordCheck<Change<Price>, Price> check(
      Scd2Step<Change<Price>, Price> step, ErrorPolicy policy) {
    return Scd2RecordCheck.of(step.config(CHANGES, null), new ErrorHandler(STEP, policy));
  }

  private static Scd2Step<Change<Price>, Price> step() {
    return Scd2.trackChangelog("prices", Price::id, EffectiveTime.changeEventTime());
  }

  @Test
  void changes_passedOn_skippedOnesFiltered_othersDeadLetteredKeyFirst() throws Exception {
    OneInputStreamOperatorTestHarness<Change<Price>, Change<Price>> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(
                check(step().withHardDeletes(HardDeletes.IGNORE), ErrorPolicy.deadLetter())),
            SERIALIZER);
    harness.setup(SERIALIZER);
    harness.open();
    Change<Price> good = Scd2RecordValueITCase.change("+I:p1:1000:EUR:5");
    Change<Price> nullString = Scd2RecordValueITCase.change("+I:p3:1000:null:7");

    harness.processElement(new StreamRecord<>(good, 5L));
    harness.processElement(
        new StreamRecord<>(Scd2RecordValueITCase.change("-U:p2:1000:EUR:null"), 5L));
    harness.processElement(
        new StreamRecord<>(Scd2RecordValueITCase.change("-D:p2:1000:EUR:null"), 5L));
    harness.processElement(new StreamRecord<>(nullString, 5L));
    harness.processElement(
        new StreamRecord<>(Scd2RecordValueITCase.change("+U:p4:2000:EUR:null"), 5L));
    harness.processElement(
        new StreamRecord<>(
            Change.insert(new Price(null, null, Tuple2.of("EUR", null))).withSourcePosition(9),
            7L));

    assertThat(harness.extractOutputValues()).containsExactly(good, nullString);
    List<DeadLetter> letters = new ArrayList<>();
    harness.getSideOutput(DeadLetter.OUTPUT_TAG).forEach(r -> letters.add(r.getValue()));
    assertThat(letters)
        .extracting(DeadLetter::errorMessage, DeadLetter::eventTime, DeadLetter::sourcePosition)
        .containsExactly(
            tuple(
                "record field amount.f1 is null, which Flink's tuple serializer cannot write",
                2000L,
                "4"),
            // no business key: the reason the step's function would have given
            tuple("the business key is null", 7L, "9"));
    harness.close();
  }

  @Test
  void failJobPolicy_failsWithTheStepsError_notTheSerializers() throws Exception {
    OneInputStreamOperatorTestHarness<Change<Price>, Change<Price>> harness =
        new OneInputStreamOperatorTestHarness<>(
            new ProcessOperator<>(check(step(), ErrorPolicy.failJob())), SERIALIZER);
    harness.setup(SERIALIZER);
    harness.open();

    assertThatThrownBy(
            () ->
                harness.processElement(
                    new StreamRecord<>(Scd2RecordValueITCase.change("+I:p2:1000:EUR:null"))))
        .isInstanceOf(EtlException.class)
        .hasRootCauseMessage(
            "record field amount.f1 is null, which Flink's tuple serializer cannot write");
    harness.close();
  }
}
