/** Shell completion scripts generated from the command definitions (app/cli/main.ts). */
import type { Command } from "commander";

interface Spec {
  name: string;
  options: string[];
}

const flags = (options: Command["options"]) => options.flatMap((o) => [o.long, o.short].filter((f): f is string => Boolean(f)));

/** Each command's own options: the root's are not accepted after a command (positional options). */
function specs(root: Command): Spec[] {
  return root.commands.map((cmd) => ({ name: cmd.name(), options: [...new Set([...flags(cmd.options), "--help"])] }));
}

export function completionScript(root: Command, shell: "bash" | "zsh"): string {
  const all = specs(root);
  const cases = all.map((s) => `    ${s.name}) opts="${s.options.join(" ")}" ;;`).join("\n");
  // The root's options that take a value: the word after one is its value, not the command.
  const valued = flags(root.options.filter((o) => o.required || o.optional));
  const skip = valued.length > 0 ? `      ${valued.join(" | ")}) ((i++)) ;;\n` : "";
  // ksharrays under zsh's bashcompinit: COMP_WORDS is indexed from 0 there too.
  const bash = `# pgs completion for bash: eval "$(pgs completion bash)"
_pgs() {
  [[ -n \${ZSH_VERSION:-} ]] && setopt localoptions ksharrays
  local cur=\${COMP_WORDS[COMP_CWORD]} cmd="" opts="" i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case \${COMP_WORDS[i]} in
${skip}      -*) ;;
      *) cmd=\${COMP_WORDS[i]}; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "${all.map((s) => s.name).join(" ")} help ${flags(root.options).join(" ")} --help" -- "$cur"))
    return
  fi
  case $cmd in
${cases}
  esac
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _pgs pgs`;
  return shell === "bash"
    ? bash
    : `# pgs completion for zsh: eval "$(pgs completion zsh)"
autoload -U +X bashcompinit && bashcompinit
${bash}`;
}
