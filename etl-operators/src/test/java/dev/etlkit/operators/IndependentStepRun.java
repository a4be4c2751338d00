package dev.etlkit.operators;

import dev.etlkit.core.DeadLetter;
import dev.etlkit.core.Etl;
import dev.etlkit.core.EtlStep;
import dev.etlkit.core.EtlStream;
import dev.etlkit.core.RecordAccounting;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Runs one step over a list of inputs in a local job (parallelism 1, generic types disabled) and
 * returns the step's outputs, its dead letters (both in input order) and its record accounting.
 * Used by the independent reference tests, which compare each input's fate with a reference.
 */
public final class IndependentStepRun<O> {
  public final List<O> outputs;
  public final List<DeadLetter> deadLetters;
  public final RecordAccounting.StepCounts counts;

  private IndependentStepRun(
      List<O> outputs, List<DeadLetter> deadLetters, RecordAccounting.StepCounts counts) {
    this.outputs = outputs;
    this.deadLetters = deadLetters;
    this.counts = counts;
  }

  public static <I, O> IndependentStepRun<O> run(
      List<I> inputs, TypeInformation<I> inputType, EtlStep<I, O> step) throws Exception {
    Configuration conf = new Configuration();
    conf.set(PipelineOptions.GENERIC_TYPES, false);
    StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
    env.setRuntimeMode(RuntimeExecutionMode.STREAMING);
    DataStream<I> source = env.fromData(inputs, inputType);
    EtlStream<O> out = Etl.from(source, "ref").apply(step);
    CloseableIterator<O> outIt = out.toDataStream().collectAsync();
    CloseableIterator<DeadLetter> dlIt = out.deadLetters().collectAsync();
    JobExecutionResult result = env.execute("independent-reference");
    List<O> outputs = new ArrayList<>();
    outIt.forEachRemaining(outputs::add);
    List<DeadLetter> dls = new ArrayList<>();
    dlIt.forEachRemaining(dls::add);
    outIt.close();
    dlIt.close();
    return new IndependentStepRun<>(
        outputs, dls, RecordAccounting.of(result).step("ref", step.name()));
  }
}
