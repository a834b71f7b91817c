// Sending a file the user chose to the server: streamed as the request body (XHR, for progress),
// stored by the server as a temp file and answered with a token the import/compare APIs take.
import { xsrfToken } from "./eddy.js";

// Resolves with {file, name, size}; onProgress(fraction) while it goes.
export function uploadFile(file, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/transfer/upload?name=${encodeURIComponent(file.name)}`);
    xhr.setRequestHeader("X-XSRFToken", xsrfToken());
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let data = {};
      try {
        data = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status === 200) resolve(data);
      else reject(new Error(data.error || `Upload failed (${xhr.status})`));
    };
    xhr.onerror = () => reject(new Error("Upload failed: the connection was lost"));
    xhr.send(file);
  });
}
