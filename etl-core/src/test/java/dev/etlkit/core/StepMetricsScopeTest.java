package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.functions.util.RuntimeUDFContext;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.AbstractMetricGroup;
import org.apache.flink.runtime.metrics.groups.InternalOperatorMetricGroup;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md (metrics reference): the step group {@code addGroup("etlkit", pipeline)
 * .addGroup("step", step)} gives reporters the variables {@code <etlkit>} and {@code <step>}, and a
 * logical scope without the values, so Prometheus exports {@code
 * flink_taskmanager_job_task_operator_etlkit_step_recordsIn}.
 */
class StepMetricsScopeTest {

  @Test
  void register_countersGroup_hasTheVariablesAndLogicalScopeTheDocsName() {
    Map<String, AbstractMetricGroup<?>> groupOfMetric = new HashMap<>();
    TestingMetricRegistry registry =
        TestingMetricRegistry.builder()
            .setRegisterConsumer((metric, name, group) -> groupOfMetric.put(name, group))
            .build();
    InternalOperatorMetricGroup operator =
        TaskManagerMetricGroup.createTaskManagerMetricGroup(registry, "host", ResourceID.generate())
            .addJob(new JobID(), "job")
            .addTask(ExecutionAttemptID.randomId(), "task")
            .getOrAddOperator("orders/dedup");
    RuntimeContext context =
        new RuntimeUDFContext(
            new TaskInfoImpl("task", 1, 0, 1, 0),
            getClass().getClassLoader(),
            new ExecutionConfig(),
            new HashMap<>(),
            new HashMap<>(),
            operator);

    StepMetrics.register(context, new StepIdentity("orders", "dedup", "orders/dedup"));

    AbstractMetricGroup<?> step = groupOfMetric.get(StepMetrics.RECORDS_IN);
    assertThat(step.getAllVariables())
        .containsEntry("<etlkit>", "orders")
        .containsEntry("<step>", "dedup");
    assertThat(step.getLogicalScope(s -> s, '_'))
        .isEqualTo("taskmanager_job_task_operator_etlkit_step");
  }
}
