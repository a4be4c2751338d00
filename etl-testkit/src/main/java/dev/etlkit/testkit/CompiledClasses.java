package dev.etlkit.testkit;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.apache.flink.annotation.PublicEvolving;

/**
 * Java sources compiled while a test runs, into a class loader of their own: how a test gets two
 * versions of one class (same name, other fields) to check that state written with one restores
 * into a step built with the other. Restore with {@link KeyedHarness#withUserCodeClassLoader} set
 * to the new version's loader.
 *
 * <pre>{@code
 * URLClassLoader v2 =
 *     CompiledClasses.compile(
 *         dir.resolve("v2"),
 *         Map.of("com.example.Customer", "package com.example; public class Customer { ... }"),
 *         getClass().getClassLoader());
 * }</pre>
 */
@PublicEvolving
public final class CompiledClasses {

  private CompiledClasses() {}

  /**
   * Compiles {@code sources} (fully qualified class name → source text) with the running JDK's
   * compiler ({@code --release 17}, no annotation processing) into {@code directory} and returns a
   * class loader for them whose parent is {@code parent}, so that they see Flink, etlkit and the
   * test's classes.
   *
   * @throws IllegalStateException if the JDK has no compiler or the sources do not compile (with
   *     the compiler's messages)
   */
  public static URLClassLoader compile(
      Path directory, Map<String, String> sources, ClassLoader parent) throws IOException {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(parent, "parent");
    if (sources.isEmpty()) {
      throw new IllegalArgumentException("sources must not be empty");
    }
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("no Java compiler in this runtime: run the tests on a JDK");
    }
    List<String> arguments = new ArrayList<>();
    Path classes = Files.createDirectories(directory.resolve("classes"));
    arguments.addAll(List.of("--release", "17", "-proc:none", "-d", classes.toString()));
    for (Map.Entry<String, String> source : sources.entrySet()) {
      Path file = directory.resolve("src").resolve(source.getKey().replace('.', '/') + ".java");
      Files.createDirectories(file.getParent());
      Files.writeString(file, source.getValue());
      arguments.add(file.toString());
    }
    ByteArrayOutputStream messages = new ByteArrayOutputStream();
    int status = javac.run(null, messages, messages, arguments.toArray(new String[0]));
    if (status != 0) {
      throw new IllegalStateException(
          "javac failed (" + status + "): " + messages.toString(StandardCharsets.UTF_8));
    }
    return new URLClassLoader(new URL[] {classes.toUri().toURL()}, parent);
  }
}
