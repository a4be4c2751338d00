package dev.etlkit.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.etlkit.core.Change;
import dev.etlkit.core.DeadLetter;
import dev.etlkit.examples.StepRuns.StepRun;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * Customer changes the history's PostgreSQL table cannot hold (a NUL character in text, SQLState
 * 22021 there) are dead letters of the customers pipeline's {@code writable} step, right after
 * {@code decode}: before normalize, the point-in-time join and the SCD2 step keep state of them, so
 * the history and the sink never disagree and the sink never fails the job on one.
 */
class WritableChangesTest {

  private static final TypeInformation<Change<Customer>> CHANGES =
      Change.typeInfo(Customer.TYPE_INFO);

  private static final long LSN = 24_024_400L;

  @Test
  void customersPipeline_nameWithANul_isADeadLetterOfWritable_rightAfterDecode() throws Exception {
    Transformation<?> last =
        OrdersJob.customerDimension(
                OrdersJob.customersPipeline(
                    StreamExecutionEnvironment.getExecutionEnvironment()
                        .fromData(List.of("{}"), Types.STRING)))
            .toDataStream()
            .getTransformation();
    Change<Customer> nul =
        Change.updateAfter(new Customer("c-anna", "An\u0000na", "gold", "Oslo"))
            .withSourcePosition(LSN);
    Change<Customer> fine =
        Change.updateAfter(new Customer("c-anna", "Anna", "gold", "Oslo")).withSourcePosition(LSN);

    StepRun<Change<Customer>> run =
        StepRuns.run(
            StepRuns.upstream(last, "customers/writable"),
            CHANGES,
            List.of(new StreamRecord<>(nul), new StreamRecord<>(fine)));

    assertThat(StepRuns.uidsUpTo(last))
        .containsSubsequence(
            "customers/decode",
            "customers/writable",
            "customers/valid-time",
            "customers/normalize",
            "customers/dimension");
    assertThat(StepRuns.uidsUpTo(last).indexOf("customers/writable"))
        .as("right after decode")
        .isEqualTo(StepRuns.uidsUpTo(last).indexOf("customers/decode") + 1);
    assertThat(run.output()).containsExactly(fine);
    assertThat(run.deadLetters())
        .extracting(StreamRecord::getValue)
        .extracting(DeadLetter::uid, DeadLetter::errorMessage, DeadLetter::sourcePosition)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "customers/writable",
                "column 'name' holds a NUL character (U+0000) at index 2, which PostgreSQL cannot"
                    + " store in text",
                Long.toString(LSN)));
  }
}
