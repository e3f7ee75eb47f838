-- Neovim's built-in LSP client against `rustbuild lsp` (run by tests/it/neovim.rs).
-- Written for Neovim 0.7 (Debian bookworm's): vim.lsp.start_client, buf_attach_client,
-- buf_request_sync, vim.diagnostic.get. Inputs come from the environment:
--   RUSTBUILD   the rustbuild binary
--   BUILDFILE   the Buildfile to open
--   DEFINITION  "LINE:COLUMN" (0-based) of a `--from=` name to go to the definition of
--   RESULT      where to write what happened, as JSON
-- Then it fixes a finding by editing the buffer and formats the buffer through the server.
-- Every wait is bounded; whatever fails is written to RESULT as `error`, and Neovim quits.

local result = { steps = {} }

local function step(name)
  table.insert(result.steps, name)
end

local function diagnostics_of(buf)
  local out = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    table.insert(out, {
      lnum = d.lnum,
      col = d.col,
      end_lnum = d.end_lnum,
      end_col = d.end_col,
      severity = d.severity,
      message = d.message,
      source = d.source,
    })
  end
  return out
end

local function run()
  local buildfile = os.getenv("BUILDFILE")
  vim.cmd("edit " .. vim.fn.fnameescape(buildfile))
  local buf = vim.api.nvim_get_current_buf()
  local client_id = vim.lsp.start_client({
    name = "rustbuild",
    cmd = { os.getenv("RUSTBUILD"), "lsp" },
    root_dir = vim.fn.fnamemodify(buildfile, ":h"),
  })
  assert(client_id, "the client did not start")
  assert(vim.lsp.buf_attach_client(buf, client_id), "the client did not attach")
  step("attached")

  local got = vim.wait(15000, function()
    return #vim.diagnostic.get(buf) > 0
  end, 50)
  assert(got, "no diagnostics within 15 s")
  result.diagnostics = diagnostics_of(buf)
  step("diagnostics")

  local line, column = os.getenv("DEFINITION"):match("(%d+):(%d+)")
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(buf) },
    position = { line = tonumber(line), character = tonumber(column) },
  }
  local responses, err = vim.lsp.buf_request_sync(buf, "textDocument/definition", params, 10000)
  assert(responses, "definition: " .. tostring(err))
  for _, response in pairs(responses) do
    assert(not response.err, "definition: " .. vim.inspect(response.err))
    local location = response.result
    -- A Location, or a list of them.
    if location and location[1] then
      location = location[1]
    end
    result.definition = location
  end
  step("definition")

  -- Edit the buffer as a user would (fix the misspelt parameter): the server is told
  -- with didChange and publishes again.
  local text = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  for i, l in ipairs(text) do
    text[i] = l:gsub("WHOO=", "WHO=")
  end
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, text)
  local cleared = vim.wait(15000, function()
    return #vim.diagnostic.get(buf) == 0
  end, 50)
  assert(cleared, "diagnostics still there after the fix: " .. vim.inspect(diagnostics_of(buf)))
  result.after_edit = diagnostics_of(buf)
  step("edited")

  -- Format the buffer through the server, as formatting on save does.
  local formatting = { textDocument = { uri = vim.uri_from_bufnr(buf) }, options = { tabSize = 4, insertSpaces = true } }
  local answers, ferr = vim.lsp.buf_request_sync(buf, "textDocument/formatting", formatting, 10000)
  assert(answers, "formatting: " .. tostring(ferr))
  for _, response in pairs(answers) do
    assert(not response.err, "formatting: " .. vim.inspect(response.err))
    vim.lsp.util.apply_text_edits(response.result or {}, buf, "utf-16")
  end
  result.formatted = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
  step("formatted")

  vim.lsp.stop_client(client_id)
  vim.wait(5000, function()
    return vim.lsp.get_client_by_id(client_id) == nil
  end, 50)
  step("stopped")
end

local ok, err = pcall(run)
if not ok then
  result.error = tostring(err)
end
local file = io.open(os.getenv("RESULT"), "w")
file:write(vim.fn.json_encode(result))
file:close()
vim.cmd("qall!")
