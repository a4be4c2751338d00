package dev.etlkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CompiledClassesTest {

  @TempDir Path dir;

  @Test
  void compile_twoVersionsOfOneClass_eachInItsOwnLoader_seeingTheTestsClasses() throws Exception {
    String name = "dev.etlkit.testkit.generated.Tag";
    try (URLClassLoader v1 =
            CompiledClasses.compile(
                dir.resolve("v1"),
                Map.of(
                    name,
                    "package dev.etlkit.testkit.generated; public class Tag { public String a; }"),
                getClass().getClassLoader());
        URLClassLoader v2 =
            CompiledClasses.compile(
                dir.resolve("v2"),
                Map.of(
                    name,
                    "package dev.etlkit.testkit.generated; public class Tag {"
                        + " public String a; public dev.etlkit.testkit.StateBackendKind b; }"),
                getClass().getClassLoader())) {
      Class<?> one = v1.loadClass(name);
      Class<?> two = v2.loadClass(name);

      assertThat(one).isNotSameAs(two);
      assertThat(one.getFields()).hasSize(1);
      assertThat(two.getField("b").getType()).isSameAs(StateBackendKind.class);
    }
  }

  @Test
  void compile_sourceThatDoesNotCompile_failsWithTheCompilersMessage() {
    assertThatThrownBy(
            () ->
                CompiledClasses.compile(
                    dir,
                    Map.of("x.Broken", "package x; class Broken { int }"),
                    getClass().getClassLoader()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("javac failed")
        .hasMessageContaining("Broken.java");
  }

  @Test
  void compile_noSources_isRejected() {
    assertThatThrownBy(() -> CompiledClasses.compile(dir, Map.of(), getClass().getClassLoader()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sources must not be empty");
  }
}
