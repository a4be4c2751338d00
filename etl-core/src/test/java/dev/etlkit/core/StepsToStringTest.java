package dev.etlkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.flink.api.common.typeinfo.Types;
import org.junit.jupiter.api.Test;

/** {@link Steps}' steps print their name and options, as the library's other steps do. */
class StepsToStringTest {

  @Test
  void map_printsItsNameAndOutputType_andAnErrorPolicyOverride() {
    Steps.MapStep<String, Integer> length = Steps.map("length", String::length, Types.INT);

    assertThat(length).hasToString("Steps.map(length, output=Integer)");
    assertThat(length.withErrorPolicy(ErrorPolicy.failJob()))
        .hasToString("Steps.map(length, output=Integer, errorPolicy=fail-job)");
  }

  @Test
  void filter_printsItsName_andAnErrorPolicyOverride() {
    Steps.FilterStep<String> notEmpty = Steps.filter("not-empty", s -> !s.isEmpty());

    assertThat(notEmpty).hasToString("Steps.filter(not-empty)");
    assertThat(notEmpty.withErrorPolicy(ErrorPolicy.deadLetter()))
        .hasToString("Steps.filter(not-empty, errorPolicy=dead-letter)");
  }
}
