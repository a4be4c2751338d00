package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StepIdentityTest {

  @Test
  void pipelineNameTheBuilderRefuses_isRefused_soNoCountsAreLostFromTheAccounting() {
    // The accumulators of an empty pipeline name ("etlkit//parse/recordsIn") are not read back by
    // RecordAccounting, and a pipeline name with '/' is read as another pipeline and step.
    assertThat(RecordAccounting.of(Map.of("etlkit//parse/recordsIn", 1L)).steps()).isEmpty();

    assertThatThrownBy(() -> new StepIdentity("", "parse", "/parse"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipeline name must be 1 to 64 characters");
    assertThatThrownBy(() -> new StepIdentity("crm/eu", "parse", "crm/eu/parse"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("pipeline name must be 1 to 64 characters");
    assertThatThrownBy(() -> new StepIdentity("orders", "", "orders/"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("step must not be empty");
  }

  @Test
  void stepOfAnOperatorWithinAStep_mayHaveASlash() {
    StepIdentity join = new StepIdentity("orders", "join/dimension", "orders/join");

    assertThat(join.step()).isEqualTo("join/dimension");
    assertThat(join).isEqualTo(new StepIdentity("orders", "join/dimension", "orders/join"));
  }
}
