package dev.sinkgate.client;

import com.google.protobuf.DescriptorProtos.FileDescriptorSet;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * A foreign service's types from a {@code FileDescriptorSet} file, for servers without
 * reflection: {@code protoc --include_imports --descriptor_set_out=FILE its.proto}.
 */
final class DescriptorSetFile {
  private DescriptorSetFile() {}

  /**
   * The service {@code fullName} declared in {@code file}.
   *
   * @throws BindingException if the file cannot be read, is not a descriptor set, or lacks the service
   */
  static ServiceDescriptor service(Path file, String fullName) {
    String source = "descriptor set " + file;
    FileDescriptorSet set;
    try (InputStream in = Files.newInputStream(file)) {
      set = FileDescriptorSet.parseFrom(in);
    } catch (NoSuchFileException e) {
      throw new BindingException(source + ": no such file (expected: the output of protoc"
          + " --include_imports --descriptor_set_out=FILE)", e);
    } catch (InvalidProtocolBufferException e) {
      throw new BindingException(source + " is not a FileDescriptorSet (" + e.getMessage()
          + ") (expected: the output of protoc --include_imports --descriptor_set_out=FILE)", e);
    } catch (IOException e) {
      throw new BindingException(source + ": cannot read it: " + e, e);
    }
    FileDescriptorGraph graph = new FileDescriptorGraph(source);
    set.getFileList().forEach(graph::add);
    return graph.service(fullName);
  }
}
